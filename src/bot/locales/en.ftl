# Buyer-facing texts. Variables in { } are filled in by the bot; HTML is allowed.

language-name = English

start-welcome =
    Welcome to the shop, { $name }!
    Pay with TON from Tonkeeper or Telegram Wallet. Tap /shop to see what we sell.
help =
    <b>How to buy</b>
    1. /shop — pick a product and a payment method.
    2. Pay the exact amount to the address shown, with the comment shown: the comment is how we find your order.
    3. We tell you the moment the payment is seen, then send your goods.

    /orders — your orders and their status
    /language — change the language
    /terms — terms of sale · /support — help with an order · /paysupport — help with a payment
terms =
    <b>Terms of sale</b>
    Prices are shown before you pay. Digital goods are delivered in this chat right after payment; physical goods are shipped as the product says.
    A TON payment counts once the blockchain shows it with the order's comment. Payments after an order expires are handled by the shop.
    Refunds: write to /paysupport within 14 days.
support = Questions about an order? Write to us here with your order number and we will answer within a day.
paysupport = Problems with a payment? Send your order number and, for TON, the transaction link from your wallet. We answer within a day.

shop-title = <b>Our products</b> — tap one to see it.
shop-empty = The shop has nothing for sale right now.
product-card =
    <b>{ $title }</b>
    { $description }

    { $prices }
product-price-line = • { $method }: <b>{ $amount }</b>
product-quantity = Quantity: <b>{ $quantity }</b>
product-stock = In stock: { $count }
product-sold-out = Sold out for now — please check back later.
product-not-found = This product is not on sale any more. Tap /shop to see what is.
method-ton = TON
method-stars = Telegram Stars
method-fiat = Card
button-pay-with = Pay with { $method }
button-back = « Back
button-more = +
button-less = −

pay-ton =
    <b>Order { $orderId }</b> — { $title } × { $quantity }

    Send exactly <code>{ $amount }</code> TON
    to <code>{ $address }</code>
    with the comment <code>{ $comment }</code>

    The comment is how we find your payment — without it the money cannot be matched.
    Pay by { $expires } (UTC).
pay-ton-qr = Scan with your phone's wallet: { $amount } TON, comment { $comment }.
button-tonkeeper = Open in Tonkeeper
button-telegram-wallet = Telegram Wallet
button-check = I have paid
pay-method-unavailable = This product cannot be paid that way. Tap /shop to choose again.
checkout-not-found = This order no longer exists. Tap /shop to order again — you have not been charged.
checkout-not-yours = This invoice belongs to someone else's order. Tap /shop to make your own.
checkout-paid-already = This order is already paid — there is nothing more to pay.
checkout-expired = This order expired. Tap /shop and buy again — you have not been charged.
checkout-changed = The amount does not match this order any more. Tap /shop and buy again.
checkout-sold-out = Sorry, this product has just sold out. You have not been charged.
checkout-shipping = This shipping option is not available. Please choose another one.
checkout-taken = Someone else is paying for this link right now. Please try again in a few minutes.
shipping-unavailable = Sorry, we cannot ship to this address yet.

status-pending = Waiting for your payment of { $amount } { $currency }. The moment it reaches the blockchain we will tell you.
status-underpaid = We received { $paid } { $currency }, but the order costs { $amount }. Please send the remaining <code>{ $owed }</code> { $currency } with the same comment <code>{ $comment }</code>.
status-paid = ✅ Payment received for order { $orderId }. Your goods are on their way.
status-held = ✅ Your payment for order { $orderId } arrived after the order expired. The shop will confirm it shortly.
status-fulfilled = 📦 Order { $orderId } is delivered. Thank you!
status-expired = ⌛ Order { $orderId } expired without payment. Tap /shop to order again.
status-refunded = ↩️ Order { $orderId } was refunded.
status-mismatch = We received a payment for order { $orderId } in the wrong currency. The shop will contact you.

orders-title = <b>Your orders</b>
orders-empty = You have no orders yet. Tap /shop to start.
orders-line = { $orderId } · { $title } · { $amount } { $currency } · { $status }
order-status-pending = waiting for payment
order-status-paid = paid
order-status-fulfilled = delivered
order-status-expired = expired
order-status-refunded = refunded

receipt =
    <b>Receipt</b> — order { $orderId }
    { $title } × { $quantity }
    Paid: { $paid } { $currency }
    { $date } (UTC)
delivery-stock-key = Your key: <code>{ $key }</code>

language-choose = Choose your language:
language-set = Language: English.

error-forged = This button is not valid any more. Tap /shop to start again.
error-not-your-order = This order belongs to someone else.
error-slow-down = Too many requests — please wait a few seconds.
error-generic = Something went wrong on our side. Please try again in a minute.

command-start = Start the shop
command-shop = Browse products
command-orders = Your orders
command-help = How to buy
command-language = Change language
command-terms = Terms of sale
command-support = Help with an order
command-paysupport = Help with a payment
