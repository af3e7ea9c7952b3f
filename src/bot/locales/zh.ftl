# 面向买家的文本。{ } 中的变量由机器人填入；可以使用 HTML。

language-name = 简体中文

start-welcome =
    欢迎光临本店，{ $name }！
    可使用 Tonkeeper 或 Telegram Wallet 以 TON 付款。点击 /shop 查看在售商品。
help =
    <b>购买方式</b>
    1. /shop — 选择商品和付款方式。
    2. 向显示的地址支付准确的金额，并填写显示的备注：我们凭备注找到您的订单。
    3. 一旦看到您的付款，我们会立即通知您，随后发货。

    /orders — 您的订单及其状态
    /language — 更改语言
    /terms — 销售条款 · /support — 订单帮助 · /paysupport — 付款帮助
terms =
    <b>销售条款</b>
    价格在付款前显示。数字商品在付款后立即发送到本聊天；实物商品按商品说明发货。
    TON 付款一旦在区块链上显示并带有订单备注，即视为有效。订单过期后到账的付款由本店处理。
    退款：请在 14 天内通过 /paysupport 联系我们。
support = 对订单有疑问？请在此处留言并注明订单号，我们会在一天内回复。
paysupport = 付款遇到问题？请发送您的订单号；如使用 TON 付款，请一并提供钱包中的交易链接。我们会在一天内回复。

shop-title = <b>我们的商品</b> — 点击即可查看。
shop-empty = 本店目前没有在售商品。
product-card =
    <b>{ $title }</b>
    { $description }

    { $prices }
product-price-line = • { $method }：<b>{ $amount }</b>
product-quantity = 数量：<b>{ $quantity }</b>
product-stock = 库存：{ $count }
product-sold-out = 暂时售罄，请稍后再来。
product-not-found = 该商品已下架。点击 /shop 查看在售商品。
method-ton = TON
method-stars = Telegram Stars
method-fiat = 银行卡
button-pay-with = 使用 { $method } 支付
button-back = « 返回
button-more = +
button-less = −

pay-ton =
    <b>订单 { $orderId }</b> — { $title } × { $quantity }

    请准确发送 <code>{ $amount }</code> TON
    至地址 <code>{ $address }</code>
    并填写备注 <code>{ $comment }</code>

    我们凭备注识别您的付款——没有备注，款项将无法与订单匹配。
    请在 { $expires }（UTC）前完成付款。
pay-ton-qr = 请用手机钱包扫码：{ $amount } TON，备注 { $comment }。
button-tonkeeper = 在 Tonkeeper 中打开
button-telegram-wallet = Telegram Wallet
button-check = 我已付款
pay-method-unavailable = 该商品不支持此付款方式。点击 /shop 重新选择。
checkout-not-found = 该订单已不存在。点击 /shop 重新下单——您未被扣款。
checkout-not-yours = 此账单属于他人的订单。点击 /shop 创建您自己的订单。
checkout-paid-already = 该订单已付款——无需再付。
checkout-expired = 该订单已过期。点击 /shop 重新购买——您未被扣款。
checkout-changed = 金额与该订单不再相符。点击 /shop 重新购买。
checkout-sold-out = 抱歉，该商品刚刚售罄。您未被扣款。
checkout-shipping = 该配送方式不可用，请选择其他方式。
checkout-taken = 有人正在通过此链接付款。请几分钟后再试。
shipping-unavailable = 抱歉，我们暂时无法配送到该地址。

status-pending = 正在等待您支付 { $amount } { $currency }。款项一上链，我们会立即通知您。
status-underpaid = 我们已收到 { $paid } { $currency }，但订单金额为 { $amount }。请使用相同的备注 <code>{ $comment }</code> 补付剩余的 <code>{ $owed }</code> { $currency }。
status-paid = ✅ 订单 { $orderId } 已收到付款。我们正在为您发货。
status-held = ✅ 您为订单 { $orderId } 支付的款项在订单过期后才到账。本店将尽快确认。
status-fulfilled = 📦 订单 { $orderId } 已送达。感谢惠顾！
status-expired = ⌛ 订单 { $orderId } 已过期，未收到付款。点击 /shop 重新下单。
status-refunded = ↩️ 订单 { $orderId } 已退款。
status-mismatch = 我们收到了订单 { $orderId } 的付款，但币种不正确。本店将与您联系。

orders-title = <b>您的订单</b>
orders-empty = 您还没有订单。点击 /shop 开始购物。
orders-line = { $orderId } · { $title } · { $amount } { $currency } · { $status }
order-status-pending = 等待付款
order-status-paid = 已付款
order-status-fulfilled = 已送达
order-status-expired = 已过期
order-status-refunded = 已退款

receipt =
    <b>收据</b> — 订单 { $orderId }
    { $title } × { $quantity }
    已付：{ $paid } { $currency }
    { $date }（UTC）
delivery-stock-key = 您的密钥：<code>{ $key }</code>

language-choose = 请选择语言：
language-set = 语言：简体中文。

error-forged = 此按钮已失效。点击 /shop 重新开始。
error-not-your-order = 此订单属于其他用户。
error-slow-down = 请求过于频繁，请稍候几秒。
error-generic = 我们这边出了点问题。请一分钟后重试。

command-start = 进入商店
command-shop = 浏览商品
command-orders = 我的订单
command-help = 购买方式
command-language = 更改语言
command-terms = 销售条款
command-support = 订单帮助
command-paysupport = 付款帮助
