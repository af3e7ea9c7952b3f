# Buyer-facing texts. Variables in { } are filled in by the bot; HTML is allowed.

language-name = English

start-welcome = Welcome to the shop, { $name }!
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

shop-title = <b>Our products</b> — tap one to see it.
shop-empty = The shop has nothing for sale right now.
product-card =
    <b>{ $title }</b>
    { $description }

    { $prices }
product-price-period = • { $method }: <b>{ $amount }</b> every 30 days
product-price-line = • { $method }: <b>{ $amount }</b>
product-quantity = Quantity: <b>{ $quantity }</b>
product-stock = In stock: { $count }
product-sold-out = Sold out for now — please check back later.
product-not-enough = Only { $count } left in stock — choose { $count } or fewer.
product-not-found = This product is not on sale any more. Tap /shop to see what is.
method-ton = { $coin ->
    [GRAM] Gram (TON)
   *[other] { $coin }
}
method-stars = Telegram Stars
method-fiat = Card
method-usdt = USDT
button-subscribe = Subscribe for { $amount } / 30 days
button-subscribe-now = ⭐ Subscribe
button-pay-with = Pay with { $method }
button-back = « Back
button-more = +
button-less = −

pay-ton =
    <b>Order { $orderId }</b> — { $title } × { $quantity }

    Send exactly <code>{ $amount }</code> { $coin }
    to <code>{ $address }</code>
    with the comment <code>{ $comment }</code>

    The comment is how we find your payment — without it the money cannot be matched.
    Pay by { $expires } (UTC).
pay-ton-rest =
    <b>Order { $orderId }</b> — { $title } × { $quantity }

    We received { $paid } of { $total } { $coin }. Send the remaining <code>{ $amount }</code> { $coin }
    to <code>{ $address }</code>
    with the comment <code>{ $comment }</code>

    The comment is how we find your payment — without it the money cannot be matched.
    Pay by { $expires } (UTC).
pay-ton-qr = Scan with your phone's wallet: { $amount } { $coin }, comment { $comment }.
pay-usdt-on-ton = Send USDT on the TON network only — USDT sent on Tron, Ethereum or any other chain never reaches us. Your wallet also needs about { $fee } { $coin } for the network fee: it is paid on top of the price, and what is not used comes back.
button-tonkeeper = Open in Tonkeeper
button-telegram-wallet = Telegram Wallet
button-check = I have paid
# Paying from a wallet connected with TON Connect.
button-wallet-pay = 👛 Pay with my wallet
button-wallet-pay-again = 👛 Try my wallet again
button-wallet-connect = 👛 Connect a wallet
button-wallet-disconnect = Disconnect the wallet
button-wallet-open = Open { $app }
wallet-connect-offer =
    <b>Connect your wallet</b>
    Tap your wallet below and approve the connection there. On a computer, scan this code with your phone.
    The link works until { $expires } (UTC). The shop only sees your address; every payment still needs your confirmation.
wallet-connect-offer-order = Once it is connected you can pay order { $orderId } with one confirmation.
wallet-connected = 👛 { $app } is connected: <code>{ $address }</code>
wallet-connected-pay = Pay order { $orderId } — <b>{ $amount } { $coin }</b> — with one confirmation in your wallet:
wallet-status = 👛 Connected: { $app }, <code>{ $address }</code>
wallet-none = No wallet is connected. Tap /wallet to connect one.
wallet-disconnected = Your wallet is disconnected from the shop.
wallet-disconnected-by-wallet = 👛 Your wallet ended its connection with the shop. Tap /wallet to connect again.
wallet-wrong-network = Your wallet is on a different TON network: this shop is on TON { $network }. Switch your wallet to { $network } and connect again — nothing was connected.
wallet-connect-declined = You declined the connection in your wallet. Nothing was connected.
wallet-connect-failed = The wallet could not connect. Please try again with /wallet.
wallet-pay-confirm = Confirm the payment in { $app }.
wallet-pay-requested =
    👛 Payment request sent to { $app }: <b>{ $amount } { $coin }</b> for order { $orderId }.
    Open your wallet and confirm it by { $until } (UTC).
wallet-pay-pending = A payment request is already waiting in your wallet until { $until } (UTC). Confirm or decline it there first.
wallet-pay-sent = Your wallet sent the payment for order { $orderId }. We will tell you the moment it reaches the blockchain.
wallet-pay-declined = You declined the payment for order { $orderId } in your wallet — nothing was sent. Try again, or pay with the link or QR code above.
wallet-pay-expired = The payment request for order { $orderId } expired before your wallet confirmed it. If you did confirm it, we will tell you when the payment arrives; otherwise try again, or pay with the link above.
wallet-pay-interrupted = Your wallet disconnected before confirming the payment for order { $orderId }. Connect it again, or pay with the link or QR code above.
wallet-pay-failed = Your wallet could not send the payment for order { $orderId }. Try again, or pay with the link or QR code above.
wallet-pay-already-sent = Your wallet already sent the payment for this order. We are waiting to see it on the blockchain and will tell you the moment it arrives.
wallet-pay-too-late = This order expires in a few seconds — too soon to confirm it in a wallet. Tap /shop to order again.
wallet-pay-no-usdt = Your wallet holds { $balance } USDT on TON, less than the { $amount } USDT order { $orderId } needs, so nothing was asked of it. Add USDT on TON to this wallet, or pay from another wallet with the link or QR code above.
wallet-pay-no-fee = Your wallet holds { $balance } { $coin }, less than the { $fee } { $coin } a USDT transfer needs for network fees (what is not spent comes back), so nothing was asked of it. Add a little { $coin } to this wallet and try again, or pay from another wallet with the link or QR code above.
wallet-pay-not-checked = We could not look at your wallet just now — the TON network service did not answer — so nothing was asked of it. Please try again in a minute, or pay order { $orderId } with the link or QR code above.
wallet-none-available = No wallet app can be connected right now. Please pay with the link or QR code above.
wallet-busy = Too many buyers are connecting a wallet right now. Please try again in a few minutes — an open order can still be paid with its link or QR code.
wallet-busy-order = Too many buyers are connecting a wallet right now. Pay order { $orderId } with the button below or the QR code above, or try again in a few minutes.
pay-method-unavailable = This product cannot be paid that way. Tap /shop to choose again.
checkout-not-found = This order no longer exists. Tap /shop to order again — you have not been charged.
checkout-not-yours = This invoice belongs to someone else's order. Tap /shop to make your own.
checkout-paid-already = This order is already paid — there is nothing more to pay.
checkout-expired = This order expired. Tap /shop and buy again — you have not been charged.
checkout-changed = The amount does not match this order any more. Tap /shop and buy again.
checkout-sold-out = Sorry, this product has just sold out. You have not been charged.
checkout-not-enough = Too few are left in stock for this quantity now. Tap /shop and choose fewer — you have not been charged.
checkout-shipping = This shipping option is not available. Please choose another one.
checkout-taken = Someone else is paying for this link right now. Please try again in a few minutes.
checkout-subscribed = You are subscribed to this already, so you would be charged twice. See /subscriptions — you have not been charged.
checkout-subscribing = You are paying for this subscription in another window right now. If that payment did not go through, try again in a minute — you have not been charged here.
shipping-unavailable = Sorry, we cannot ship to this address yet.

status-pending = Waiting for your payment of { $amount } { $currency }. The moment it reaches the blockchain we will tell you.
status-underpaid = We received { $paid } { $currency }, but the order costs { $amount }. Please send the remaining <code>{ $owed }</code> { $currency } with the same comment <code>{ $comment }</code>.
status-paid = ✅ Payment received for order { $orderId }. Your goods are on their way.
status-held = ✅ Your payment for order { $orderId } arrived after the order expired. The shop will confirm it shortly.
status-fulfilled = 📦 Order { $orderId } is delivered. Thank you!
status-expired = ⌛ Order { $orderId } expired without payment. Tap /shop to order again.
status-expired-underpaid = ⌛ Order { $orderId } expired. We received { $paid } of { $amount } { $currency }: the shop has been told and will contact you to complete the order or return the money. Questions: /support
status-refunded = ↩️ Order { $orderId } was refunded.
status-subscription-ended = Your subscription (order { $orderId }) has ended: its last paid month is over. Subscribe again any time from /shop.
status-mismatch = We received a payment for order { $orderId } in the wrong currency. The shop will contact you.

orders-title = <b>Your orders</b>
orders-empty = You have no orders yet. Tap /shop to start.
orders-line = { $orderId } · { $title } · { $amount } { $currency } · { $status }
order-status-pending = waiting for payment
order-status-paid = paid
order-status-fulfilled = delivered
order-status-expired = expired
order-status-refunded = refunded

subscription-link =
    Order { $orderId } — <b>{ $title }</b>, { $amount } every 30 days.
    Telegram charges it each month until you cancel; cancel any time in Telegram or with /subscriptions, and access lasts to the end of the month paid.
subscription-already = You are subscribed already: access lasts until { $until } (UTC). See /subscriptions.
receipt =
    <b>Receipt</b> — order { $orderId }
    { $title } × { $quantity }
    Paid: { $paid } { $currency }
    { $date } (UTC)
receipt-period =
    <b>Receipt</b> — order { $orderId }
    { $title }, period { $period }, until { $until } (UTC)
    Paid: { $paid } { $currency }
    { $date } (UTC)
access-invite =
    Your invite to <b>{ $title }</b>: { $link }
    It lets one person in, you, and works until { $until } (UTC). You stay in for as long as your subscription lasts.
access-continues = You are in <b>{ $title }</b> already: your access goes on until { $until } (UTC), and for as long as your subscription renews.
button-access-join = Join { $title }
delivery-stock-key = Your key: <code>{ $key }</code>
delivery-stock-keys =
    Your keys ({ $count }):
    { $keys }
delivery-stock-keys-part =
    Your keys, { $from }–{ $to } of { $count }:
    { $keys }

language-choose = Choose your language:
language-set = Language: English.

error-forged = This button is not valid any more. Tap /shop to start again.
error-not-your-order = This order belongs to someone else.
error-slow-down = Too many requests — please wait a few seconds.
error-generic = Something went wrong on our side. Please try again in a minute.
error-busy = The shop is busy for a moment. Please try again in a minute.

command-start = Start the shop
command-shop = Browse products
command-orders = Your orders
command-subscriptions = Your subscriptions
subscriptions-title = <b>Your subscriptions</b>
subscriptions-none = You have no subscriptions. Subscriptions in /shop renew every 30 days until you cancel.
subscriptions-line-on = <b>{ $title }</b> — { $amount } every 30 days (order { $orderId })
    Renews on { $until } (UTC).
subscriptions-line-canceled = <b>{ $title }</b> — { $amount } every 30 days (order { $orderId })
    Renewal canceled: access lasts until { $until } (UTC).
subscriptions-line-failed = <b>{ $title }</b> — { $amount } every 30 days (order { $orderId })
    The last renewal could not be charged: access lasts until { $until } (UTC). Top up your Stars to keep it.
subscriptions-line-ended = <b>{ $title }</b> — ended { $until } (UTC) (order { $orderId })
button-subscription-cancel = Cancel renewal: { $title }
button-subscription-renew = Renew again: { $title }
subscriptions-gone = This subscription cannot be changed here any more. Send /subscriptions to see where it stands.
subscriptions-not-changed = Telegram would not change this subscription just now. Please try again later; nothing was changed.
subscriptions-canceled = Renewal canceled: you keep access until { $until } (UTC), and nothing more is charged.
subscriptions-renew-in-telegram = Renewal can be turned back on now: open Telegram's Settings → My Stars, pick the subscription and renew it before { $until } (UTC).
command-help = How to buy
command-language = Change language
command-terms = Terms of sale
command-support = Help with an order
command-wallet = Connect or disconnect your wallet
command-paysupport = Help with a payment

unknown-command = I don't know that command. Tap /help to see what I can do.

# Merchant admin (ADMIN_IDS only).
admin-menu = <b>Shop admin</b> — choose a view.
admin-balances = 💰 Balances
admin-sales = 📈 Sales
admin-orders = 🧾 Orders
admin-exceptions = ⚠️ Exceptions
admin-export = 📤 Export CSV
admin-health = 🩺 Health
admin-balances-title = <b>Balances</b>
admin-balance-ton = Merchant wallet: <b>{ $amount }</b>
admin-balance-usdt = USDT (our jetton wallet): <b>{ $amount }</b>
admin-balance-stars = Bot's Stars: <b>{ $amount }</b>
admin-stars-ledger = Its ledger: payments { $payments }, refunds { $refunds }, withdrawals { $withdrawals } ({ $pending } pending), ads { $ads }, paid broadcasts { $broadcasts }, commissions { $commissions }, other { $other }
admin-stars-match = ✓ The balance matches the ledger.
admin-stars-differs = ⚠️ The balance differs from the sum of the ledger by { $difference }.
admin-stars-unrecorded = ⚠️ { $count } Stars payments in the ledger have no order here yet ({ $ids }); the Stars reconcile records them within ten minutes.
admin-stars-truncated = The ledger is longer than this view reads: its figures cover the first 20,000 entries.
admin-pending-line = Pending orders would add { $amount } ({ $orders ->
        [one] { $orders } order
       *[other] { $orders } orders
    })
admin-sales-title = <b>Sales</b>
admin-period-today = Today
admin-period-7d = 7 days
admin-period-30d = 30 days
admin-sales-period = <b>{ $period }</b>: { $created ->
        [one] { $created } order
       *[other] { $created } orders
    }, { $paid } paid ({ $conversion }%), revenue { $revenue }
admin-sales-top = Top: { $products }
admin-subscriptions =
    <b>Subscriptions</b>: { $active } active ({ $products }), { $monthly } a month from those renewing
    This month: { $renewals ->
        [one] { $renewals } renewal
       *[other] { $renewals } renewals
    }, { $cancellations ->
        [one] { $cancellations } cancellation
       *[other] { $cancellations } cancellations
    }
admin-orders-title = <b>Orders by status</b>
admin-orders-lookup = Look one up with /order followed by its id or comment.
admin-recent-payments = <b>Recent payments</b>
admin-exceptions-title = <b>Exceptions</b>
admin-exceptions-none = Nothing needs attention.
admin-unmatched-line = ❓ <code>{ $ref }</code> · { $amount } · { $reason } · comment { $comment } · { $date }
admin-exception-order = ⚠️ { $orderId } · { $exceptions } · paid { $paid } of { $amount }
admin-exceptions-help = /attach ‹ref› ‹order id or comment› puts a payment on an order; /resolve ‹ref› closes it; /refund ‹order id› gives money back.
admin-export-caption = Orders and payments from { $from } to { $to } (UTC).
admin-health-title = <b>Health</b>
admin-health-watcher = { $watcher }: leader { $leader }, cursor caught up { $poll } ago (last poll), newest payment applied { $lag } ago, { $errors ->
        [one] { $errors } failed poll
       *[other] { $errors } failed polls
    } in the last hour ({ $total } in all)
admin-health-error = Last error { $ago } ago: { $error }
admin-health-no-error = No watcher errors.
admin-health-watcher-merchant = Watcher
admin-health-watcher-usdt = USDT watcher (our jetton wallet)
admin-health-usdt-asking = USDT watcher: our jetton wallet is not known yet; toncenter is asked again in the background.
admin-health-usdt-not-a-master = USDT watcher: USDT_MASTER is not a jetton master, so no USDT payment is looked for. Set it to the USDT jetton master and restart.
admin-health-queue = Fulfilment: { $depth ->
        [one] { $depth } job
       *[other] { $depth } jobs
    } waiting, oldest in hand for { $oldest }, { $dead } failed for good
admin-order-not-found = No order with id or comment “{ $query }”.
admin-payment-period = period { $n }
admin-order-card =
    <b>Order { $orderId }</b> — { $status } (exceptions: { $exceptions })
    { $title } × { $quantity } · { $amount }, paid { $paid }
    Buyer { $userId } · comment { $comment } · created { $created }
admin-attach-usage = Usage: /attach ‹ref from Exceptions› ‹order id or comment›
admin-attach-currency = That payment is not in { $currency }, the order's currency.
admin-attached = Attached to order { $orderId }, which is now { $status }.
admin-release-usage = Usage: /release ‹order id› — lets a held late payment’s goods go.
admin-release-not-held = Order { $orderId } is not held.
admin-released = Order { $orderId } is released; the goods are on their way.
admin-resolve-usage = Usage: /resolve ‹ref from Exceptions›
admin-resolved = { $ref } is closed.
admin-refund-usage = Usage: /refund ‹order id› — or /refund ‹stars:… payment from /order› to give back that one payment: the order ends only if it stood on it (a subscription's current period).
admin-refund-ton = A payment on TON cannot be pulled back: send <b>{ $amount }</b> to <code>{ $to }</code> from the merchant wallet to refund order { $orderId }.
admin-refund-refused = Not refunded: { $reason }
admin-refunded = Order { $orderId } is refunded; the buyer has been told.
admin-payment-refunded = Payment { $ref } is refunded; order { $orderId } stands on its other payments and stays { $status }.

# Notices to admins as things happen.
notice-paid = 💰 Order { $orderId } paid: { $amount } for { $title } × { $quantity } · { $buyer }
notice-excess = 💸 Order { $orderId } got { $extra } more after it was paid (buyer paid twice?). Check it with /order { $orderId } and refund the extra.
notice-underpaid = ⚠️ Order { $orderId } is underpaid: { $paid } of { $amount }.
notice-held = ⚠️ Order { $orderId } was paid after it expired and is held: /order { $orderId }, then /release { $orderId } or /refund { $orderId }
notice-mismatch = ⚠️ Order { $orderId } got a payment in the wrong currency.
notice-unmatched =
    ❓ A payment matched no order: <b>{ $amount }</b> from { $sender }, { $comment }.
    Why: { $reason }.{ $explorer }
    Put it on an order: <code>/attach { $ref }</code> ‹order id or comment› — or /refund { $ref }, /resolve { $ref }
notice-unmatched-explorer = { " " }<a href="{ $url }">See it on Tonviewer</a>
unmatched-comment = comment “<code>{ $comment }</code>”
unmatched-comment-none = no comment
unmatched-comment-unreadable = a comment that is not text
unmatched-sender-telegram = Telegram user { $userId }
unmatched-sender-unknown = an unknown sender
unmatched-reason-no-comment = it carries no comment, so nothing names the order
unmatched-reason-unknown-comment = its comment is not the comment of any order
unmatched-reason-encrypted-comment = its comment is encrypted, so the shop cannot read it
unmatched-reason-binary-comment = its comment is binary data, not text
unmatched-reason-order-not-found = the order it names does not exist
unmatched-reason-dust = it is too small to be a payment (dust)
unmatched-reason-fake-jetton = it is a fake USDT transfer: a jetton notification claiming { $claimed } that did not come from the shop's own USDT wallet, so no USDT arrived. Do not deliver anything for it
notice-expired-underpaid = ⌛ Order { $orderId } expired underpaid: { $paid } of { $amount } received. The buyer was told you will contact them to complete it or return the money: /order { $orderId } · /refund { $orderId }
notice-delivery-failed = 🚨 Delivering order { $orderId } failed for good: { $error }
notice-member-not-removed =
    ⚠️ The subscription of { $buyer } to { $title } ended (order { $orderId }), but the bot could not remove them from its chat: { $error }
    Make the bot an administrator there who may ban users; the shop keeps trying.
notice-refunded = ↩️ Order { $orderId } was refunded.
notice-renewal-failed = ⚠️ The renewal of { $title } for { $buyer } could not be charged (order { $orderId }). Access lasts until the paid period ends, then stops unless Telegram charges it after all.
notice-renewal-canceled = 🔕 { $buyer } canceled the renewal of { $title } (order { $orderId }). Access lasts until the paid period ends.
notice-renewal-on = 🔔 { $buyer } turned the renewal of { $title } back on (order { $orderId }).
notice-recovered-stars = ⭐ Recovered from Telegram's Stars ledger: this payment's update never reached the bot, so it was recorded afterwards.
notice-daily =
    <b>Daily report</b> — the last 24 hours
    { $created ->
        [one] { $created } order
       *[other] { $created } orders
    }, { $paid } paid ({ $conversion }%), revenue { $revenue }
    Open exceptions: { $exceptions }

# — terms and welcome
welcome-default = Pay in { $method } from Tonkeeper or Telegram Wallet, in Telegram Stars or by card. Tap a button below to start.
button-menu-shop = 🛍 Shop
button-menu-orders = 🧾 My orders
button-menu-wallet = 👛 Wallet
button-menu-help = ❓ Help
button-menu-support = 💬 Support
shop-title-named = <b>{ $shop }</b> — tap a product to see it.
support-hours = Support hours: { $hours }
delivery-notes = <b>Delivery:</b> { $notes }
terms-title = <b>Terms of sale</b>
terms-link = The full terms: { $url }
terms-before-buying = Before your first purchase, please read the terms of sale and tap “I agree” — your order is made right after.
terms-changed-before-buying = The terms of sale have changed since you agreed to them. Please read them and tap “I agree” — your order is made right after.
terms-agreed = ✅ You agreed to these terms on { $date } (UTC).
terms-agreed-earlier = You agreed to earlier terms on { $date } (UTC). These are new: tap “I agree” to accept them.
terms-agree-now = Tap “I agree” to accept them now; otherwise you are asked before your first purchase.
terms-agreed-now = Thank you — you agreed to the terms of sale.
terms-changed = The terms of sale changed a moment ago — here are the new ones. Nothing was ordered yet.
terms-stale = This button belongs to an earlier request, so nothing was done. Tap /shop and choose again.
terms-not-recorded = We could not record your agreement just now, so nothing was ordered. Please tap “I agree” again in a minute.
button-terms-agree = ✅ I agree
button-terms-read = 📄 Read the terms
invoice-terms = Terms of sale: { $url }
# — gram
# The coin is Gram since June 2026; the network is still TON.
coin-formerly = (formerly Toncoin)
notice-paid-overpaid = 💸 Overpaid: { $paid } received, { $excess } more than the price.
notice-paid-late = ⏰ Paid after the order expired.
notice-buyer-id = user { $userId }
# — support inbox: tickets opened with /support and /paysupport, relayed to the admins and answered by reply
support-opened = 🎫 Ticket <b>#{ $number }</b> is open.
support-continued = 🎫 Your ticket <b>#{ $number }</b> is still open.
support-ask = Write your message — text, photos or files — and we will pass it to the shop's staff. They answer here, in this chat. Close the ticket when you have what you needed.
paysupport-ask = Write your order number (see /orders) and what went wrong; for a TON payment, add the transaction link from your wallet.
paysupport-telegram = Please note: Telegram support and bot support cannot help with purchases made through this bot. Only this shop can, here.
support-close-button = ✖ Close ticket #{ $number }
support-passed-on = ✉️ Passed on to the shop (ticket #{ $number }).
support-kept = ✉️ Saved in ticket #{ $number }, but the shop's staff could not be reached just now. If it is urgent, please send it again in a few minutes.
support-closed-meanwhile = Ticket #{ $number } was closed a moment ago, so this message was not passed on. Tap /support to open a new ticket.
support-private-only = Support works in a private chat with me: open my chat and send /support there.
support-closed = Ticket #{ $number } is closed. /support opens a new one.
support-already-closed = Ticket #{ $number } is already closed.
support-closed-by-shop = The shop closed ticket #{ $number }. If you need more help, /support opens a new one.
support-answer =
    💬 <b>Answer from the shop</b> (ticket #{ $number }):
    { $text }
support-answer-media = 💬 <b>Answer from the shop</b> (ticket #{ $number }):
support-kind-support = support
support-kind-paysupport = payment support
support-relay-header =
    🎫 <b>Ticket #{ $number }</b> · { $kind }
    From: { $name } · { $username } · id { $userId }
support-relay-orders = Recent orders:
support-relay-no-orders = No orders yet.
support-relay-order = • { $orderId } · { $title } · { $status }
support-relay-hint = Reply to this message to answer the buyer.
support-answered = ✅ Sent to { $name } (ticket #{ $number }).
support-answered-closed = ✅ Sent to { $name }. Ticket #{ $number } stays closed.
support-answer-unreachable = ⚠️ Not delivered: { $name } blocked the bot or deleted the chat (ticket #{ $number }).
support-reply-unlinked = This message leads to no support ticket: it was never one, or it is older than 30 days. To answer a buyer, reply to the newest message of their ticket. /admin → Tickets lists them.
support-closed-admin = Ticket #{ $number } closed; the buyer was told.
support-close-usage = Usage: /close and the ticket number, e.g. /close 17
support-not-found = There is no ticket #{ $number }.
support-state-open = open
support-state-answered = answered
support-age-minutes = { $n } min
support-age-hours = { $n } h
support-age-days = { $n } d
admin-tickets = 🎫 Tickets
admin-tickets-title = <b>Support tickets</b>
admin-tickets-none = No open tickets.
admin-ticket-line = #{ $number } · { $state } · { $buyer } · { $age } · “{ $excerpt }”
admin-tickets-closed = Closed so far: { $count }
admin-tickets-help = Answer by replying to a ticket's message; /close 17 closes ticket #17.
