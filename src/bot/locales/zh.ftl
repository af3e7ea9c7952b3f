# 面向买家的文本。{ } 中的变量由机器人填入；可以使用 HTML。

language-name = 简体中文

start-welcome = 欢迎光临本店，{ $name }！
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

shop-title = <b>我们的商品</b> — 点击即可查看。
shop-empty = 本店目前没有在售商品。
product-card =
    <b>{ $title }</b>
    { $description }

    { $prices }
product-price-period = • { $method }：<b>{ $amount }</b>，每 30 天
product-price-line = • { $method }：<b>{ $amount }</b>
product-quantity = 数量：<b>{ $quantity }</b>
product-stock = 库存：{ $count }
product-sold-out = 暂时售罄，请稍后再来。
product-not-enough = 库存仅剩 { $count } 件——请选择 { $count } 件或更少。
product-not-found = 该商品已下架。点击 /shop 查看在售商品。
method-ton = { $coin ->
    [GRAM] Gram (TON)
   *[other] { $coin }
}
method-stars = Telegram Stars
method-fiat = 银行卡
method-usdt = USDT
button-subscribe = 订阅：{ $amount } / 30 天
button-subscribe-now = ⭐ 订阅
button-pay-with = 使用 { $method } 支付
button-back = « 返回
button-more = +
button-less = −

pay-ton =
    <b>订单 { $orderId }</b> — { $title } × { $quantity }

    请准确发送 <code>{ $amount }</code> { $coin }
    至地址 <code>{ $address }</code>
    并填写备注 <code>{ $comment }</code>

    我们凭备注识别您的付款——没有备注，款项将无法与订单匹配。
    请在 { $expires }（UTC）前完成付款。
pay-ton-rest =
    <b>订单 { $orderId }</b> — { $title } × { $quantity }

    我们已收到 { $paid } / { $total } { $coin }。请发送剩余的 <code>{ $amount }</code> { $coin }
    至地址 <code>{ $address }</code>
    并填写备注 <code>{ $comment }</code>

    我们凭备注识别您的付款——没有备注，款项将无法与订单匹配。
    请在 { $expires }（UTC）前完成付款。
pay-ton-qr = 请用手机钱包扫码：{ $amount } { $coin }，备注 { $comment }。
pay-usdt-on-ton = 请只通过 TON 网络发送 USDT——通过 Tron、以太坊或其他链发送的 USDT 无法到账。钱包里还需要约 { $fee } { $coin } 支付网络手续费：手续费在价格之外另付，未用完的会退回。
button-tonkeeper = 在 Tonkeeper 中打开
button-telegram-wallet = Telegram Wallet
button-check = 我已付款
# 通过 TON Connect 连接的钱包付款。
button-wallet-pay = 👛 用我的钱包付款
button-wallet-pay-again = 👛 再试一次
button-wallet-connect = 👛 连接钱包
button-wallet-disconnect = 断开钱包
button-wallet-open = 打开 { $app }
wallet-connect-offer =
    <b>连接您的钱包</b>
    点击下方您的钱包并在其中批准连接。在电脑上，请用手机扫描此二维码。
    链接有效期至 { $expires }（UTC）。商店只能看到您的地址；每笔付款仍需您确认。
wallet-connect-offer-order = 连接后，您只需确认一次即可支付订单 { $orderId }。
wallet-connected = 👛 { $app } 已连接：<code>{ $address }</code>
wallet-connected-pay = 在钱包中确认一次即可支付订单 { $orderId } — <b>{ $amount } { $coin }</b>：
wallet-status = 👛 已连接：{ $app }，<code>{ $address }</code>
wallet-none = 尚未连接钱包。点击 /wallet 连接。
wallet-disconnected = 您的钱包已与商店断开。
wallet-disconnected-by-wallet = 👛 您的钱包已结束与商店的连接。点击 /wallet 重新连接。
wallet-wrong-network = 您的钱包处于另一个 TON 网络：本商店使用 TON { $network }。请将钱包切换到 { $network } 后重新连接 — 本次未连接。
wallet-connect-declined = 您在钱包中拒绝了连接。未连接任何钱包。
wallet-connect-failed = 钱包无法连接。请通过 /wallet 重试。
wallet-pay-confirm = 请在 { $app } 中确认付款。
wallet-pay-requested =
    👛 付款请求已发送到 { $app }：订单 { $orderId }，<b>{ $amount } { $coin }</b>。
    请在 { $until }（UTC）之前打开钱包确认。
wallet-pay-pending = 您的钱包中已有一个付款请求，有效期至 { $until }（UTC）。请先在钱包中确认或拒绝它。
wallet-pay-sent = 您的钱包已发送订单 { $orderId } 的付款。付款一上链我们就会通知您。
wallet-pay-declined = 您在钱包中拒绝了订单 { $orderId } 的付款 — 未发送任何款项。请重试，或使用上方的链接或二维码付款。
wallet-pay-expired = 订单 { $orderId } 的付款请求在钱包确认前已过期。如果您确实已确认，付款到账时我们会通知您；否则请重试，或使用上方的链接付款。
wallet-pay-interrupted = 钱包在确认订单 { $orderId } 的付款前断开了连接。请重新连接，或使用上方的链接或二维码付款。
wallet-pay-failed = 您的钱包无法发送订单 { $orderId } 的付款。请重试，或使用上方的链接或二维码付款。
wallet-pay-already-sent = 您的钱包已发送此订单的付款。我们正在等待它上链，到账后会立即通知您。
wallet-pay-too-late = 此订单将在几秒内过期 — 来不及在钱包中确认。请点击 /shop 重新下单。
wallet-pay-no-usdt = 您的钱包在 TON 上只有 { $balance } USDT，不足订单 { $orderId } 所需的 { $amount } USDT，因此没有向钱包发出请求。请向此钱包充值 TON 网络上的 USDT，或用上方的链接或二维码从其他钱包付款。
wallet-pay-no-fee = 您的钱包只有 { $balance } { $coin }，少于 USDT 转账支付网络手续费所需的 { $fee } { $coin }（未用完的部分会退回），因此没有向钱包发出请求。请向此钱包充值少量 { $coin } 后重试，或用上方的链接或二维码从其他钱包付款。
wallet-pay-not-checked = 暂时无法查看您的钱包（TON 网络服务没有响应），因此没有向钱包发出请求。请一分钟后重试，或用上方的链接或二维码支付订单 { $orderId }。
wallet-none-available = 目前无法连接钱包应用。请使用上方的链接或二维码付款。
wallet-busy = 目前正在连接钱包的买家太多。请几分钟后重试——未完成的订单仍可通过其链接或二维码付款。
wallet-busy-order = 目前正在连接钱包的买家太多。请使用下方按钮或上方二维码支付订单 { $orderId }，或几分钟后重试。
pay-method-unavailable = 该商品不支持此付款方式。点击 /shop 重新选择。
checkout-not-found = 该订单已不存在。点击 /shop 重新下单——您未被扣款。
checkout-not-yours = 此账单属于他人的订单。点击 /shop 创建您自己的订单。
checkout-paid-already = 该订单已付款——无需再付。
checkout-expired = 该订单已过期。点击 /shop 重新购买——您未被扣款。
checkout-changed = 金额与该订单不再相符。点击 /shop 重新购买。
checkout-sold-out = 抱歉，该商品刚刚售罄。您未被扣款。
checkout-not-enough = 库存已不足以满足该数量。请点击 /shop 并选择更少的数量——您未被扣款。
checkout-shipping = 该配送方式不可用，请选择其他方式。
checkout-taken = 有人正在通过此链接付款。请几分钟后再试。
checkout-subscribed = 您已订阅此项，再付款将被重复扣费。请查看 /subscriptions — 您未被扣费。
checkout-subscribing = 您正在另一个窗口为此订阅付款。如果那笔付款未成功，请一分钟后再试 — 此处未扣费。
shipping-unavailable = 抱歉，我们暂时无法配送到该地址。

status-pending = 正在等待您支付 { $amount } { $currency }。款项一上链，我们会立即通知您。
status-underpaid = 我们已收到 { $paid } { $currency }，但订单金额为 { $amount }。请使用相同的备注 <code>{ $comment }</code> 补付剩余的 <code>{ $owed }</code> { $currency }。
status-paid = ✅ 订单 { $orderId } 已收到付款。我们正在为您发货。
status-held = ✅ 您为订单 { $orderId } 支付的款项在订单过期后才到账。本店将尽快确认。
status-fulfilled = 📦 订单 { $orderId } 已送达。感谢惠顾！
status-expired = ⌛ 订单 { $orderId } 已过期，未收到付款。点击 /shop 重新下单。
status-expired-underpaid = ⌛ 订单 { $orderId } 已过期。我们已收到 { $paid } / { $amount } { $currency }：本店已获通知，将与您联系以完成订单或退还款项。如有疑问：/support
status-refunded = ↩️ 订单 { $orderId } 已退款。
status-subscription-ended = 您的订阅（订单 { $orderId }）已结束：最后一个已付月份已到期。可随时通过 /shop 重新订阅。
status-mismatch = 我们收到了订单 { $orderId } 的付款，但币种不正确。本店将与您联系。

orders-title = <b>您的订单</b>
orders-empty = 您还没有订单。点击 /shop 开始购物。
orders-line = { $orderId } · { $title } · { $amount } { $currency } · { $status }
order-status-pending = 等待付款
order-status-paid = 已付款
order-status-fulfilled = 已送达
order-status-expired = 已过期
order-status-refunded = 已退款

subscription-link =
    订单 { $orderId } — <b>{ $title }</b>，每 30 天 { $amount }。
    Telegram 每月扣款，直到您取消；可随时在 Telegram 中或通过 /subscriptions 取消，访问权限保留到已付月份结束。
subscription-already = 您已订阅：访问权限有效至 { $until }（UTC）。请查看 /subscriptions。
receipt =
    <b>收据</b> — 订单 { $orderId }
    { $title } × { $quantity }
    已付：{ $paid } { $currency }
    { $date }（UTC）
receipt-period =
    <b>收据</b> — 订单 { $orderId }
    { $title }，第 { $period } 期，至 { $until }（UTC）
    已付：{ $paid } { $currency }
    { $date }（UTC）
access-invite =
    您的 <b>{ $title }</b> 邀请：{ $link }
    此链接仅限一人（您本人）使用，有效至 { $until }（UTC）。订阅有效期间您可一直留在其中。
access-continues = 您已在 <b>{ $title }</b> 中：访问权限持续至 { $until }（UTC），只要订阅续订就会继续。
button-access-join = 加入 { $title }
delivery-stock-key = 您的密钥：<code>{ $key }</code>
delivery-stock-keys =
    您的密钥（{ $count } 个）：
    { $keys }
delivery-stock-keys-part =
    您的密钥，第 { $from }–{ $to } 个，共 { $count } 个：
    { $keys }

language-choose = 请选择语言：
language-set = 语言：简体中文。

error-forged = 此按钮已失效。点击 /shop 重新开始。
error-not-your-order = 此订单属于其他用户。
error-slow-down = 请求过于频繁，请稍候几秒。
error-generic = 我们这边出了点问题。请一分钟后重试。
error-busy = 商店暂时繁忙。请一分钟后重试。

command-start = 进入商店
command-shop = 浏览商品
command-orders = 我的订单
command-subscriptions = 我的订阅
subscriptions-title = <b>我的订阅</b>
subscriptions-none = 您没有订阅。/shop 中的订阅每 30 天自动续订，直到您取消。
subscriptions-line-on = <b>{ $title }</b> — 每 30 天 { $amount }（订单 { $orderId }）
    将于 { $until }（UTC）续订。
subscriptions-line-canceled = <b>{ $title }</b> — 每 30 天 { $amount }（订单 { $orderId }）
    已取消续订：访问权限有效至 { $until }（UTC）。
subscriptions-line-failed = <b>{ $title }</b> — 每 30 天 { $amount }（订单 { $orderId }）
    上次续订扣款失败：访问权限有效至 { $until }（UTC）。请充值 Stars 以保留订阅。
subscriptions-line-ended = <b>{ $title }</b> — 已于 { $until }（UTC）结束（订单 { $orderId }）
button-subscription-cancel = 取消续订：{ $title }
button-subscription-renew = 重新续订：{ $title }
subscriptions-gone = 此订阅已无法在这里更改。发送 /subscriptions 查看其状态。
subscriptions-not-changed = Telegram 暂时未能更改此订阅。请稍后再试；未做任何更改。
subscriptions-canceled = 已取消续订：访问权限保留到 { $until }（UTC），不会再扣款。
subscriptions-renew-in-telegram = 现在可以重新开启续订：打开 Telegram 设置 → 我的 Stars，选择该订阅并在 { $until }（UTC）前续订。
command-help = 购买方式
command-language = 更改语言
command-terms = 销售条款
command-support = 订单帮助
command-wallet = 连接或断开钱包
command-paysupport = 付款帮助

unknown-command = 我不认识这个命令。点击 /help 查看我能做什么。

# 商家管理（仅限 ADMIN_IDS）。
admin-menu = <b>商店管理</b> — 请选择要查看的内容。
admin-balances = 💰 余额
admin-sales = 📈 销售
admin-orders = 🧾 订单
admin-exceptions = ⚠️ 异常
admin-export = 📤 导出 CSV
admin-health = 🩺 运行状态
admin-balances-title = <b>余额</b>
admin-balance-ton = 商家钱包：<b>{ $amount }</b>
admin-balance-usdt = USDT（我们的 jetton 钱包）：<b>{ $amount }</b>
admin-balance-stars = 机器人的 Stars：<b>{ $amount }</b>
admin-stars-ledger = 流水：付款 { $payments }，退款 { $refunds }，提现 { $withdrawals }（{ $pending } 笔处理中），广告 { $ads }，付费群发 { $broadcasts }，佣金 { $commissions }，其他 { $other }
admin-stars-match = ✓ 余额与流水一致。
admin-stars-differs = ⚠️ 余额与流水合计相差 { $difference }。
admin-stars-unrecorded = ⚠️ 流水中有 { $count } 笔 Stars 付款在本店尚无订单（{ $ids }）；Stars 对账会在十分钟内记录它们。
admin-stars-truncated = 流水超出此视图读取的长度：数字仅涵盖前 20,000 条。
admin-pending-line = 待付款订单预计还将带来 { $amount }（{ $orders } 个订单）
admin-sales-title = <b>销售</b>
admin-period-today = 今天
admin-period-7d = 7 天
admin-period-30d = 30 天
admin-sales-period = <b>{ $period }</b>：{ $created } 个订单，{ $paid } 个已付款（{ $conversion }%），收入 { $revenue }
admin-sales-top = 热销：{ $products }
admin-subscriptions =
    <b>订阅</b>：{ $active } 个有效（{ $products }），续订者每月 { $monthly }
    本月：续订 { $renewals } 次，取消 { $cancellations } 次
admin-orders-title = <b>按状态统计订单</b>
admin-orders-lookup = 发送 /order 加订单号或备注，即可查询单个订单。
admin-recent-payments = <b>最近的付款</b>
admin-exceptions-title = <b>异常</b>
admin-exceptions-none = 暂无需要处理的事项。
admin-unmatched-line = ❓ <code>{ $ref }</code> · { $amount } · { $reason } · 备注 { $comment } · { $date }
admin-exception-order = ⚠️ { $orderId } · { $exceptions } · 已付 { $paid } / { $amount }
admin-exceptions-help = /attach ‹ref› ‹订单号或备注›：将付款关联到订单；/resolve ‹ref›：关闭该付款；/refund ‹订单号›：退款。
admin-export-caption = { $from } 至 { $to }（UTC）的订单和付款记录。
admin-health-title = <b>运行状态</b>
admin-health-watcher = { $watcher }：主节点 { $leader }，游标于 { $poll } 前追上链（上次轮询），最新入账付款于 { $lag } 前，过去一小时轮询失败 { $errors } 次（共 { $total } 次）
admin-health-error = 最近一次错误（{ $ago } 前）：{ $error }
admin-health-no-error = 付款监听无错误。
admin-health-watcher-merchant = 付款监听
admin-health-watcher-usdt = USDT 监听（我们的 jetton 钱包）
admin-health-usdt-asking = USDT 监听：尚不知道我们的 jetton 钱包；正在后台重新询问 toncenter。
admin-health-usdt-not-a-master = USDT 监听：USDT_MASTER 不是 jetton 主合约，因此不会查找任何 USDT 付款。请将其设为 USDT 的 jetton 主合约并重启。
admin-health-queue = 发货队列：{ $depth } 个任务等待中，最早的已等待 { $oldest }，{ $dead } 个已彻底失败
admin-order-not-found = 找不到订单号或备注为“{ $query }”的订单。
admin-payment-period = 第 { $n } 期
admin-order-card =
    <b>订单 { $orderId }</b> — { $status }（异常：{ $exceptions }）
    { $title } × { $quantity } · { $amount }，已付 { $paid }
    买家 { $userId } · 备注 { $comment } · 创建于 { $created }
admin-attach-usage = 用法：/attach ‹ref（来自“异常”）› ‹订单号或备注›
admin-attach-currency = 该付款的币种不是订单币种 { $currency }。
admin-attached = 已关联到订单 { $orderId }，订单当前状态：{ $status }。
admin-release-usage = 用法：/release ‹订单号› —— 为被暂扣的逾期付款发货。
admin-release-not-held = 订单 { $orderId } 未被暂扣。
admin-released = 订单 { $orderId } 已放行，商品正在发送。
admin-resolve-usage = 用法：/resolve ‹ref（来自“异常”）›
admin-resolved = { $ref } 已关闭。
admin-refund-usage = 用法：/refund ‹订单号› — 或 /refund ‹/order 中的 stars:… 付款›，只退还这一笔：仅当订单依赖这笔付款（订阅的当前周期）时订单才会结束。
admin-refund-ton = TON 网络上的付款无法撤回：如需为订单 { $orderId } 退款，请从商家钱包向 <code>{ $to }</code> 发送 <b>{ $amount }</b>。
admin-refund-refused = 未退款：{ $reason }
admin-refunded = 订单 { $orderId } 已退款，并已通知买家。
admin-payment-refunded = 付款 { $ref } 已退还；订单 { $orderId } 由其余付款支付，状态仍为「{ $status }」。

# 事件发生时发给管理员的通知。
notice-paid = 💰 订单 { $orderId } 已付款：{ $amount }，商品 { $title } × { $quantity } · { $buyer }
notice-excess = 💸 订单 { $orderId } 付款后又收到 { $extra }（买家重复付款？）。请用 /order { $orderId } 查看并退还多付部分。
notice-underpaid = ⚠️ 订单 { $orderId } 付款不足：已付 { $paid } / { $amount }。
notice-held = ⚠️ 订单 { $orderId } 在过期后才付款，已暂缓处理：/order { $orderId }，然后 /release { $orderId } 或 /refund { $orderId }
notice-mismatch = ⚠️ 订单 { $orderId } 收到了币种不符的付款。
notice-unmatched =
    ❓ 有一笔付款未匹配到任何订单：<b>{ $amount }</b>，来自 { $sender }，{ $comment }。
    原因：{ $reason }。{ $explorer }
    关联到订单：<code>/attach { $ref }</code> ‹订单号或备注› —— 或 /refund { $ref }、/resolve { $ref }
notice-unmatched-explorer = { " " }<a href="{ $url }">在 Tonviewer 上查看</a>
unmatched-comment = 备注“<code>{ $comment }</code>”
unmatched-comment-none = 无备注
unmatched-comment-unreadable = 备注不是文本
unmatched-sender-telegram = Telegram 用户 { $userId }
unmatched-sender-unknown = 未知发送方
unmatched-reason-no-comment = 付款没有备注，无法确定订单
unmatched-reason-unknown-comment = 其备注与任何订单都不符
unmatched-reason-encrypted-comment = 其备注已加密，本店无法读取
unmatched-reason-binary-comment = 其备注是二进制数据，而非文本
unmatched-reason-order-not-found = 备注中的订单不存在
unmatched-reason-dust = 金额过小，不构成付款（粉尘）
unmatched-reason-fake-jetton = 这是伪造的 USDT 转账：声称转入 { $claimed } 的代币通知并非来自本店自己的 USDT 钱包，实际没有收到任何 USDT。请勿为此发货
notice-expired-underpaid = ⌛ 订单 { $orderId } 过期时付款不足：已收到 { $paid } / { $amount }。已告知买家您会联系他们完成订单或退款：/order { $orderId } · /refund { $orderId }
notice-delivery-failed = 🚨 订单 { $orderId } 发货失败，已停止重试：{ $error }
notice-member-not-removed =
    ⚠️ { $buyer } 对 { $title } 的订阅已结束（订单 { $orderId }），但机器人未能将其移出聊天：{ $error }
    请将机器人设为该聊天的管理员，并授予封禁用户的权限；本店会继续尝试。
notice-refunded = ↩️ 订单 { $orderId } 已退款。
notice-renewal-failed = ⚠️ { $buyer } 的 { $title } 续订扣款失败（订单 { $orderId }）。访问权限保留到已付周期结束；若 Telegram 最终仍未扣款，届时将停止。
notice-renewal-canceled = 🔕 { $buyer } 取消了 { $title } 的续订（订单 { $orderId }）。访问权限保留到已付周期结束。
notice-renewal-on = 🔔 { $buyer } 重新开启了 { $title } 的续订（订单 { $orderId }）。
notice-recovered-stars = ⭐ 从 Telegram 的 Stars 账目中找回：这笔付款的更新没有送达机器人，因此事后补记。
notice-daily =
    <b>每日报告</b> — 最近 24 小时
    { $created } 个订单，{ $paid } 个已付款（{ $conversion }%），收入 { $revenue }
    未处理异常：{ $exceptions }

# — terms and welcome
welcome-default = 可使用 Tonkeeper 或 Telegram Wallet 以 { $method } 付款，也可使用 Telegram 星星或银行卡付款。点击下方按钮开始。
button-menu-shop = 🛍 商店
button-menu-orders = 🧾 我的订单
button-menu-wallet = 👛 钱包
button-menu-help = ❓ 帮助
button-menu-support = 💬 客服
shop-title-named = <b>{ $shop }</b> — 点击商品查看详情。
support-hours = 客服时间：{ $hours }
delivery-notes = <b>配送：</b>{ $notes }
terms-title = <b>销售条款</b>
terms-link = 完整条款：{ $url }
terms-before-buying = 首次购买前，请阅读销售条款并点击“我同意”——订单随即创建。
terms-changed-before-buying = 自您同意以来，销售条款已有变更。请阅读并点击“我同意”——订单随即创建。
terms-agreed = ✅ 您已于 { $date }（UTC）同意这些条款。
terms-agreed-earlier = 您曾于 { $date }（UTC）同意旧版条款。以下为新条款：点击“我同意”即可接受。
terms-agree-now = 点击“我同意”即可立即接受；否则将在您首次购买前询问。
terms-agreed-now = 谢谢——您已同意销售条款。
terms-changed = 销售条款刚刚更新——以下是新条款。尚未创建订单。
terms-stale = 此按钮属于之前的请求，因此未执行任何操作。请点击 /shop 重新选择。
terms-not-recorded = 暂时无法记录您的同意，因此未创建订单。请稍后再次点击“我同意”。
button-terms-agree = ✅ 我同意
button-terms-read = 📄 阅读条款
invoice-terms = 销售条款：{ $url }
# — gram
# 自 2026 年 6 月起 TON 的币名为 Gram；网络仍叫 TON。
coin-formerly = （原 Toncoin）
notice-paid-overpaid = 💸 多付：已收到 { $paid }，比价格多 { $excess }。
notice-paid-late = ⏰ 订单过期后才付款。
notice-buyer-id = 用户 { $userId }
# — support inbox: tickets opened with /support and /paysupport, relayed to the admins and answered by reply
support-opened = 🎫 工单 <b>#{ $number }</b> 已开启。
support-continued = 🎫 您的工单 <b>#{ $number }</b> 仍在处理中。
support-ask = 请发送您的消息（文字、图片或文件），我们会转交给店铺工作人员。他们会在此聊天中回复。问题解决后请关闭工单。
paysupport-ask = 请写下您的订单号（见 /orders）以及遇到的问题；如使用 TON 付款，请附上钱包中的交易链接。
paysupport-telegram = 请注意：Telegram 客服和机器人客服无法处理通过本机器人进行的购买。只有本店可以在这里为您提供帮助。
support-close-button = ✖ 关闭工单 #{ $number }
support-passed-on = ✉️ 已转交店铺（工单 #{ $number }）。
support-kept = ✉️ 已保存在工单 #{ $number } 中，但暂时无法联系到店铺工作人员。如有急事，请在几分钟后重新发送。
support-closed-meanwhile = 工单 #{ $number } 刚刚已关闭，因此这条消息没有转交。点击 /support 开启新的工单。
support-private-only = 客服只在与我的私聊中进行：请打开与我的聊天并在那里发送 /support。
support-closed = 工单 #{ $number } 已关闭。/support 可开启新工单。
support-already-closed = 工单 #{ $number } 已经关闭。
support-closed-by-shop = 店铺已关闭工单 #{ $number }。如需更多帮助，/support 可开启新工单。
support-answer =
    💬 <b>店铺回复</b>（工单 #{ $number }）：
    { $text }
support-answer-media = 💬 <b>店铺回复</b>（工单 #{ $number }）：
support-kind-support = 客服
support-kind-paysupport = 付款客服
support-relay-header =
    🎫 <b>工单 #{ $number }</b> · { $kind }
    来自：{ $name } · { $username } · id { $userId }
support-relay-orders = 最近订单：
support-relay-no-orders = 暂无订单。
support-relay-order = • { $orderId } · { $title } · { $status }
support-relay-hint = 回复此消息即可答复买家。
support-answered = ✅ 已发送给 { $name }（工单 #{ $number }）。
support-answered-closed = ✅ 已发送给 { $name }。工单 #{ $number } 仍保持关闭。
support-answer-unreachable = ⚠️ 未送达：{ $name } 已屏蔽机器人或删除了聊天（工单 #{ $number }）。
support-reply-unlinked = 此消息不对应任何工单：它从来不是工单消息，或已超过 30 天。要答复买家，请回复其工单的最新消息。/admin → 工单 可查看列表。
support-closed-admin = 工单 #{ $number } 已关闭，并已通知买家。
support-close-usage = 用法：/close 加工单号，例如 /close 17
support-not-found = 没有工单 #{ $number }。
support-state-open = 待处理
support-state-answered = 已回复
support-age-minutes = { $n } 分钟
support-age-hours = { $n } 小时
support-age-days = { $n } 天
admin-tickets = 🎫 工单
admin-tickets-title = <b>客服工单</b>
admin-tickets-none = 没有待处理的工单。
admin-ticket-line = #{ $number } · { $state } · { $buyer } · { $age } · “{ $excerpt }”
admin-tickets-closed = 已关闭：{ $count }
admin-tickets-help = 回复工单消息即可答复；/close 17 关闭工单 #17。
