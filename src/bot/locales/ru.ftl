# Тексты для покупателя. Переменные в { } подставляет бот; HTML допускается.

language-name = Русский

start-welcome = Добро пожаловать в магазин, { $name }!
help =
    <b>Как купить</b>
    1. /shop — выберите товар и способ оплаты.
    2. Переведите точную сумму на указанный адрес с указанным комментарием: по комментарию мы находим ваш заказ.
    3. Как только платёж поступит, мы сразу сообщим вам об этом и отправим товар.

    /orders — ваши заказы и их статус
    /language — сменить язык
    /terms — условия продажи · /support — помощь с заказом · /paysupport — помощь с оплатой
terms =
    <b>Условия продажи</b>
    Цены показываются до оплаты. Цифровые товары приходят в этот чат сразу после оплаты; физические товары отправляются так, как указано в описании товара.
    Платёж в TON засчитывается, как только он появится в блокчейне с комментарием заказа. Платежи, поступившие после истечения срока заказа, обрабатывает магазин.
    Возврат средств: напишите в /paysupport в течение 14 дней.

shop-title = <b>Наши товары</b> — нажмите на товар, чтобы открыть его.
shop-empty = Сейчас в магазине нет товаров в продаже.
product-card =
    <b>{ $title }</b>
    { $description }

    { $prices }
product-price-period = • { $method }: <b>{ $amount }</b> каждые 30 дней
product-price-line = • { $method }: <b>{ $amount }</b>
product-quantity = Количество: <b>{ $quantity }</b>
product-stock = В наличии: { $count }
product-sold-out = Сейчас распродано — загляните позже.
product-not-enough = На складе осталось только { $count } — выберите { $count } или меньше.
product-not-found = Этот товар больше не продаётся. Нажмите /shop, чтобы посмотреть, что есть в продаже.
method-ton = { $coin ->
    [GRAM] Gram (TON)
   *[other] { $coin }
}
method-stars = Telegram Stars
method-fiat = Карта
method-usdt = USDT
button-subscribe = Подписаться за { $amount } / 30 дней
button-subscribe-now = ⭐ Подписаться
button-pay-with = Оплатить: { $method }
button-back = « Назад
button-more = +
button-less = −

pay-ton =
    <b>Заказ { $orderId }</b> — { $title } × { $quantity }

    Отправьте ровно <code>{ $amount }</code> { $coin }
    на адрес <code>{ $address }</code>
    с комментарием <code>{ $comment }</code>

    По комментарию мы находим ваш платёж — без него деньги невозможно сопоставить с заказом.
    Оплатите до { $expires } (UTC).
pay-ton-rest =
    <b>Заказ { $orderId }</b> — { $title } × { $quantity }

    Мы получили { $paid } из { $total } { $coin }. Отправьте оставшиеся <code>{ $amount }</code> { $coin }
    на адрес <code>{ $address }</code>
    с комментарием <code>{ $comment }</code>

    По комментарию мы находим ваш платёж — без него деньги невозможно сопоставить с заказом.
    Оплатите до { $expires } (UTC).
pay-ton-qr = Отсканируйте кошельком на телефоне: { $amount } { $coin }, комментарий { $comment }.
pay-usdt-on-ton = Отправляйте USDT только в сети TON — USDT, отправленные через Tron, Ethereum или другую сеть, до нас не дойдут. В кошельке также нужно около { $fee } { $coin } на комиссию сети: она платится сверх цены, а неиспользованное вернётся.
button-tonkeeper = Открыть в Tonkeeper
button-telegram-wallet = Telegram Wallet
button-check = Я оплатил(а)
# Оплата из кошелька, подключённого через TON Connect.
button-wallet-pay = 👛 Оплатить из кошелька
button-wallet-pay-again = 👛 Попробовать ещё раз
button-wallet-connect = 👛 Подключить кошелёк
button-wallet-disconnect = Отключить кошелёк
button-wallet-open = Открыть { $app }
wallet-connect-offer =
    <b>Подключите кошелёк</b>
    Нажмите на свой кошелёк ниже и подтвердите подключение. На компьютере отсканируйте этот код телефоном.
    Ссылка действует до { $expires } (UTC). Магазин видит только ваш адрес; каждый платёж вы подтверждаете сами.
wallet-connect-offer-order = Когда кошелёк подключится, заказ { $orderId } можно будет оплатить одним подтверждением.
wallet-connected = 👛 { $app } подключён: <code>{ $address }</code>
wallet-connected-pay = Оплатите заказ { $orderId } — <b>{ $amount } { $coin }</b> — одним подтверждением в кошельке:
wallet-status = 👛 Подключён: { $app }, <code>{ $address }</code>
wallet-none = Кошелёк не подключён. Нажмите /wallet, чтобы подключить.
wallet-disconnected = Кошелёк отключён от магазина.
wallet-disconnected-by-wallet = 👛 Ваш кошелёк завершил подключение к магазину. Нажмите /wallet, чтобы подключить снова.
wallet-wrong-network = Ваш кошелёк в другой сети TON: магазин работает в сети TON { $network }. Переключите кошелёк на { $network } и подключите снова — подключения не было.
wallet-connect-declined = Вы отклонили подключение в кошельке. Ничего не подключено.
wallet-connect-failed = Кошелёк не смог подключиться. Попробуйте ещё раз: /wallet.
wallet-pay-confirm = Подтвердите платёж в { $app }.
wallet-pay-requested =
    👛 Запрос на оплату отправлен в { $app }: <b>{ $amount } { $coin }</b> за заказ { $orderId }.
    Откройте кошелёк и подтвердите до { $until } (UTC).
wallet-pay-pending = В кошельке уже ждёт запрос на оплату — до { $until } (UTC). Сначала подтвердите или отклоните его.
wallet-pay-sent = Кошелёк отправил платёж за заказ { $orderId }. Мы сообщим, как только он появится в блокчейне.
wallet-pay-declined = Вы отклонили оплату заказа { $orderId } в кошельке — ничего не отправлено. Попробуйте ещё раз или оплатите по ссылке или QR-коду выше.
wallet-pay-expired = Запрос на оплату заказа { $orderId } истёк, кошелёк его не подтвердил. Если вы всё же подтвердили, мы сообщим, когда платёж придёт; иначе попробуйте ещё раз или оплатите по ссылке выше.
wallet-pay-interrupted = Кошелёк отключился, не подтвердив оплату заказа { $orderId }. Подключите его снова или оплатите по ссылке или QR-коду выше.
wallet-pay-failed = Кошелёк не смог отправить платёж за заказ { $orderId }. Попробуйте ещё раз или оплатите по ссылке или QR-коду выше.
wallet-pay-already-sent = Кошелёк уже отправил платёж за этот заказ. Мы ждём его в блокчейне и сообщим, как только он придёт.
wallet-pay-too-late = Заказ истекает через несколько секунд — слишком скоро, чтобы подтвердить в кошельке. Нажмите /shop, чтобы заказать снова.
wallet-pay-no-usdt = В вашем кошельке { $balance } USDT в сети TON — меньше, чем { $amount } USDT для заказа { $orderId }, поэтому запрос не отправлен. Пополните этот кошелёк USDT в сети TON или оплатите из другого кошелька по ссылке или QR-коду выше.
wallet-pay-no-fee = В вашем кошельке { $balance } { $coin } — меньше, чем { $fee } { $coin }, которые нужны переводу USDT для оплаты комиссии сети (неизрасходованное возвращается), поэтому запрос не отправлен. Пополните кошелёк небольшой суммой { $coin } и попробуйте снова или оплатите из другого кошелька по ссылке или QR-коду выше.
wallet-pay-not-checked = Сейчас не удалось проверить ваш кошелёк — сервис сети TON не ответил, — поэтому запрос не отправлен. Попробуйте через минуту или оплатите заказ { $orderId } по ссылке или QR-коду выше.
wallet-none-available = Сейчас не удаётся подключить кошелёк. Оплатите по ссылке или QR-коду выше.
wallet-busy = Сейчас слишком много покупателей подключают кошелёк. Попробуйте через несколько минут — открытый заказ можно оплатить по его ссылке или QR-коду.
wallet-busy-order = Сейчас слишком много покупателей подключают кошелёк. Оплатите заказ { $orderId } кнопкой ниже или по QR-коду выше — или попробуйте через несколько минут.
pay-method-unavailable = Этот товар нельзя оплатить таким способом. Нажмите /shop, чтобы выбрать заново.
checkout-not-found = Этого заказа больше нет. Нажмите /shop, чтобы заказать снова, — деньги не списаны.
checkout-not-yours = Этот счёт относится к чужому заказу. Нажмите /shop, чтобы оформить свой.
checkout-paid-already = Этот заказ уже оплачен — платить больше ничего не нужно.
checkout-expired = Срок заказа истёк. Нажмите /shop и оформите покупку снова — деньги не списаны.
checkout-changed = Сумма больше не совпадает с заказом. Нажмите /shop и оформите покупку снова.
checkout-sold-out = К сожалению, этот товар только что закончился. Деньги не списаны.
checkout-not-enough = На складе уже не хватает товара на это количество. Нажмите /shop и выберите меньше — деньги не списаны.
checkout-shipping = Этот способ доставки недоступен. Пожалуйста, выберите другой.
checkout-taken = Кто-то уже оплачивает по этой ссылке. Попробуйте, пожалуйста, через несколько минут.
checkout-subscribed = Вы уже подписаны на это, и списание шло бы дважды. См. /subscriptions — деньги не списаны.
checkout-subscribing = Вы прямо сейчас оплачиваете эту подписку в другом окне. Если тот платёж не прошёл, попробуйте снова через минуту — здесь деньги не списаны.
shipping-unavailable = К сожалению, мы пока не доставляем по этому адресу.

status-pending = Ожидаем ваш платёж: { $amount } { $currency }. Как только он появится в блокчейне, мы вам сообщим.
status-underpaid = Мы получили { $paid } { $currency }, но заказ стоит { $amount }. Доплатите, пожалуйста, оставшиеся <code>{ $owed }</code> { $currency } с тем же комментарием <code>{ $comment }</code>.
status-paid = ✅ Оплата по заказу { $orderId } получена. Ваш товар уже в пути.
status-held = ✅ Ваш платёж по заказу { $orderId } поступил после истечения срока заказа. Магазин скоро его подтвердит.
status-fulfilled = 📦 Заказ { $orderId } доставлен. Спасибо!
status-expired = ⌛ Срок заказа { $orderId } истёк, оплата не поступила. Нажмите /shop, чтобы оформить заказ заново.
status-expired-underpaid = ⌛ Срок заказа { $orderId } истёк. Мы получили { $paid } из { $amount } { $currency }: магазин уже знает и свяжется с вами, чтобы завершить заказ или вернуть деньги. Вопросы: /support
status-refunded = ↩️ Средства по заказу { $orderId } возвращены.
status-subscription-ended = Ваша подписка (заказ { $orderId }) закончилась: последний оплаченный месяц истёк. Оформить её снова можно в любой момент через /shop.
status-mismatch = Мы получили платёж по заказу { $orderId } не в той валюте. Магазин свяжется с вами.

orders-title = <b>Ваши заказы</b>
orders-empty = У вас пока нет заказов. Нажмите /shop, чтобы начать.
orders-line = { $orderId } · { $title } · { $amount } { $currency } · { $status }
order-status-pending = ожидает оплаты
order-status-paid = оплачен
order-status-fulfilled = доставлен
order-status-expired = срок истёк
order-status-refunded = средства возвращены

subscription-link =
    Заказ { $orderId } — <b>{ $title }</b>, { $amount } каждые 30 дней.
    Telegram списывает оплату каждый месяц, пока вы не отмените подписку; отменить можно в любой момент в Telegram или через /subscriptions, доступ сохранится до конца оплаченного месяца.
subscription-already = Вы уже подписаны: доступ действует до { $until } (UTC). См. /subscriptions.
receipt =
    <b>Чек</b> — заказ { $orderId }
    { $title } × { $quantity }
    Оплачено: { $paid } { $currency }
    { $date } (UTC)
receipt-period =
    <b>Чек</b> — заказ { $orderId }
    { $title }, период { $period }, до { $until } (UTC)
    Оплачено: { $paid } { $currency }
    { $date } (UTC)
access-invite =
    Ваше приглашение в <b>{ $title }</b>: { $link }
    По ссылке может войти один человек — вы, и действует она до { $until } (UTC). Доступ сохраняется, пока действует подписка.
access-continues = Вы уже в <b>{ $title }</b>: доступ продолжается до { $until } (UTC) и дальше, пока подписка продлевается.
button-access-join = Войти в { $title }
delivery-stock-key = Ваш ключ: <code>{ $key }</code>
delivery-stock-keys =
    Ваши ключи ({ $count }):
    { $keys }
delivery-stock-keys-part =
    Ваши ключи, { $from }–{ $to } из { $count }:
    { $keys }

language-choose = Выберите язык:
language-set = Язык: русский.

error-forged = Эта кнопка больше не действует. Нажмите /shop, чтобы начать заново.
error-not-your-order = Этот заказ принадлежит другому покупателю.
error-slow-down = Слишком много запросов — подождите несколько секунд.
error-generic = Что-то пошло не так на нашей стороне. Попробуйте ещё раз через минуту.
error-busy = Магазин ненадолго занят. Попробуйте ещё раз через минуту.

command-start = Открыть магазин
command-shop = Каталог товаров
command-orders = Мои заказы
command-subscriptions = Ваши подписки
subscriptions-title = <b>Ваши подписки</b>
subscriptions-none = У вас нет подписок. Подписки в /shop продлеваются каждые 30 дней, пока вы их не отмените.
subscriptions-line-on = <b>{ $title }</b> — { $amount } каждые 30 дней (заказ { $orderId })
    Продлится { $until } (UTC).
subscriptions-line-canceled = <b>{ $title }</b> — { $amount } каждые 30 дней (заказ { $orderId })
    Продление отменено: доступ действует до { $until } (UTC).
subscriptions-line-failed = <b>{ $title }</b> — { $amount } каждые 30 дней (заказ { $orderId })
    Не удалось списать продление: доступ действует до { $until } (UTC). Пополните звёзды, чтобы сохранить подписку.
subscriptions-line-ended = <b>{ $title }</b> — закончилась { $until } (UTC) (заказ { $orderId })
button-subscription-cancel = Отменить продление: { $title }
button-subscription-renew = Снова продлевать: { $title }
subscriptions-gone = Эту подписку здесь больше нельзя изменить. Отправьте /subscriptions, чтобы увидеть её состояние.
subscriptions-not-changed = Telegram сейчас не изменил подписку. Попробуйте позже; ничего не изменено.
subscriptions-canceled = Продление отменено: доступ сохранится до { $until } (UTC), больше ничего списано не будет.
subscriptions-renew-in-telegram = Продление снова можно включить: откройте в Telegram Настройки → Мои звёзды, выберите подписку и продлите её до { $until } (UTC).
command-help = Как купить
command-language = Сменить язык
command-terms = Условия продажи
command-support = Помощь с заказом
command-wallet = Подключить или отключить кошелёк
command-paysupport = Помощь с оплатой

unknown-command = Я не знаю такой команды. Нажмите /help, чтобы узнать, что я умею.

# Панель продавца (только для ADMIN_IDS).
admin-menu = <b>Управление магазином</b> — выберите раздел.
admin-balances = 💰 Балансы
admin-sales = 📈 Продажи
admin-orders = 🧾 Заказы
admin-exceptions = ⚠️ Исключения
admin-export = 📤 Экспорт CSV
admin-health = 🩺 Состояние
admin-balances-title = <b>Балансы</b>
admin-balance-ton = Кошелёк магазина: <b>{ $amount }</b>
admin-balance-usdt = USDT (наш джеттон-кошелёк): <b>{ $amount }</b>
admin-balance-stars = Stars бота: <b>{ $amount }</b>
admin-stars-ledger = По выписке: платежи { $payments }, возвраты { $refunds }, выводы { $withdrawals } (в ожидании: { $pending }), реклама { $ads }, платные рассылки { $broadcasts }, комиссии { $commissions }, прочее { $other }
admin-stars-match = ✓ Баланс сходится с выпиской.
admin-stars-differs = ⚠️ Баланс расходится с суммой выписки на { $difference }.
admin-stars-unrecorded = ⚠️ Платежей звёздами в выписке без заказа здесь: { $count } ({ $ids }); сверка звёзд учтёт их в течение десяти минут.
admin-stars-truncated = Выписка длиннее, чем читает этот экран: цифры охватывают первые 20 000 записей.
admin-pending-line = Ожидающие оплаты заказы добавят ещё { $amount } ({ $orders ->
        [one] { $orders } заказ
        [few] { $orders } заказа
       *[many] { $orders } заказов
    })
admin-sales-title = <b>Продажи</b>
admin-period-today = Сегодня
admin-period-7d = 7 дней
admin-period-30d = 30 дней
admin-sales-period = <b>{ $period }</b>: { $created ->
        [one] { $created } заказ
        [few] { $created } заказа
       *[many] { $created } заказов
    }, оплачено: { $paid } ({ $conversion }%), выручка: { $revenue }
admin-sales-top = Лидеры продаж: { $products }
admin-subscriptions =
    <b>Подписки</b>: активных { $active } ({ $products }), { $monthly } в месяц от продлевающихся
    В этом месяце: продлений { $renewals }, отмен { $cancellations }
admin-orders-title = <b>Заказы по статусам</b>
admin-orders-lookup = Чтобы найти заказ, отправьте /order и его номер или комментарий.
admin-recent-payments = <b>Последние платежи</b>
admin-exceptions-title = <b>Исключения</b>
admin-exceptions-none = Ничего не требует внимания.
admin-unmatched-line = ❓ <code>{ $ref }</code> · { $amount } · { $reason } · комментарий { $comment } · { $date }
admin-exception-order = ⚠️ { $orderId } · { $exceptions } · оплачено { $paid } из { $amount }
admin-exceptions-help = /attach ‹ref› ‹номер заказа или комментарий› — привязать платёж к заказу; /resolve ‹ref› — закрыть его; /refund ‹номер заказа› — вернуть деньги.
admin-export-caption = Заказы и платежи с { $from } по { $to } (UTC).
admin-health-title = <b>Состояние</b>
admin-health-watcher = { $watcher }: лидер { $leader }, курсор догнал цепочку { $poll } назад (последний опрос), последний учтённый платёж { $lag } назад, за час { $errors ->
        [one] { $errors } неудачный опрос
        [few] { $errors } неудачных опроса
       *[many] { $errors } неудачных опросов
    } (всего { $total })
admin-health-error = Последняя ошибка { $ago } назад: { $error }
admin-health-no-error = Ошибок отслеживания нет.
admin-health-watcher-merchant = Отслеживание платежей
admin-health-watcher-usdt = Отслеживание USDT (наш джеттон-кошелёк)
admin-health-usdt-asking = Отслеживание USDT: наш джеттон-кошелёк ещё не известен; toncenter опрашивается повторно в фоне.
admin-health-usdt-not-a-master = Отслеживание USDT: USDT_MASTER — не мастер-контракт джеттона, поэтому платежи в USDT не отслеживаются. Укажите мастер USDT и перезапустите бота.
admin-health-queue = Выдача заказов: в очереди { $depth ->
        [one] { $depth } задание
        [few] { $depth } задания
       *[many] { $depth } заданий
    }, самое старое ждёт { $oldest }, окончательно не выполнено: { $dead }
admin-order-not-found = Заказ с номером или комментарием «{ $query }» не найден.
admin-payment-period = период { $n }
admin-order-card =
    <b>Заказ { $orderId }</b> — { $status } (исключения: { $exceptions })
    { $title } × { $quantity } · { $amount }, оплачено { $paid }
    Покупатель { $userId } · комментарий { $comment } · создан { $created }
admin-attach-usage = Формат: /attach ‹ref из «Исключений»› ‹номер заказа или комментарий›
admin-attach-currency = Этот платёж не в валюте заказа ({ $currency }).
admin-attached = Платёж привязан к заказу { $orderId }, его статус теперь: { $status }.
admin-release-usage = Использование: /release ‹номер заказа› — выдать товар по задержанному позднему платежу.
admin-release-not-held = Заказ { $orderId } не задержан.
admin-released = Заказ { $orderId } разблокирован; товар отправляется.
admin-resolve-usage = Формат: /resolve ‹ref из «Исключений»›
admin-resolved = Платёж { $ref } закрыт.
admin-refund-usage = Формат: /refund ‹номер заказа› — или /refund ‹платёж stars:… из /order›, чтобы вернуть только этот платёж: заказ завершится, лишь если он на нём держался (текущий период подписки).
admin-refund-ton = Платёж в сети TON нельзя вернуть автоматически: чтобы оформить возврат по заказу { $orderId }, отправьте <b>{ $amount }</b> на адрес <code>{ $to }</code> с кошелька магазина.
admin-refund-refused = Возврат не выполнен: { $reason }
admin-refunded = Средства по заказу { $orderId } возвращены, покупатель уведомлён.
admin-payment-refunded = Платёж { $ref } возвращён; заказ { $orderId } оплачен остальными платежами и остаётся в статусе «{ $status }».

# Уведомления администраторам о событиях по мере их появления.
notice-paid = 💰 Заказ { $orderId } оплачен: { $amount } за { $title } × { $quantity } · { $buyer }
notice-excess = 💸 По заказу { $orderId } пришло ещё { $extra } уже после оплаты (покупатель заплатил дважды?). Проверьте: /order { $orderId } — и верните лишнее.
notice-underpaid = ⚠️ Заказ { $orderId } оплачен не полностью: { $paid } из { $amount }.
notice-held = ⚠️ Заказ { $orderId } оплачен после истечения срока и ожидает решения: /order { $orderId }, затем /release { $orderId } или /refund { $orderId }
notice-mismatch = ⚠️ По заказу { $orderId } пришёл платёж не в той валюте.
notice-unmatched =
    ❓ Платёж не удалось сопоставить ни с одним заказом: <b>{ $amount }</b> от { $sender }, { $comment }.
    Причина: { $reason }.{ $explorer }
    Привязать к заказу: <code>/attach { $ref }</code> ‹номер заказа или комментарий› — или /refund { $ref }, /resolve { $ref }
notice-unmatched-explorer = { " " }<a href="{ $url }">Открыть в Tonviewer</a>
unmatched-comment = комментарий «<code>{ $comment }</code>»
unmatched-comment-none = без комментария
unmatched-comment-unreadable = комментарий не текстом
unmatched-sender-telegram = пользователя Telegram { $userId }
unmatched-sender-unknown = неизвестного отправителя
unmatched-reason-no-comment = у платежа нет комментария, поэтому заказ не указан
unmatched-reason-unknown-comment = его комментарий не совпадает ни с одним заказом
unmatched-reason-encrypted-comment = его комментарий зашифрован, и магазин не может его прочитать
unmatched-reason-binary-comment = его комментарий — двоичные данные, а не текст
unmatched-reason-order-not-found = указанного в нём заказа не существует
unmatched-reason-dust = сумма слишком мала для платежа (пыль)
unmatched-reason-fake-jetton = это поддельный перевод USDT: уведомление о джеттонах на { $claimed } пришло не от USDT-кошелька магазина, и никаких USDT не поступило. Ничего не выдавайте за него
notice-expired-underpaid = ⌛ Срок заказа { $orderId } истёк, оплачен не полностью: получено { $paid } из { $amount }. Покупателю сказано, что вы свяжетесь с ним, чтобы завершить заказ или вернуть деньги: /order { $orderId } · /refund { $orderId }
notice-delivery-failed = 🚨 Не удалось выдать заказ { $orderId }, повторных попыток не будет: { $error }
notice-member-not-removed =
    ⚠️ Подписка { $buyer } на { $title } закончилась (заказ { $orderId }), но бот не смог удалить участника из чата: { $error }
    Сделайте бота администратором этого чата с правом блокировать пользователей; магазин продолжит попытки.
notice-refunded = ↩️ Средства по заказу { $orderId } возвращены.
notice-renewal-failed = ⚠️ Не удалось списать продление { $title } для { $buyer } (заказ { $orderId }). Доступ сохранится до конца оплаченного периода, затем прекратится, если Telegram так и не спишет оплату.
notice-renewal-canceled = 🔕 { $buyer } отменил(а) продление { $title } (заказ { $orderId }). Доступ сохранится до конца оплаченного периода.
notice-renewal-on = 🔔 { $buyer } снова включил(а) продление { $title } (заказ { $orderId }).
notice-recovered-stars = ⭐ Найдено в журнале Stars от Telegram: уведомление об этом платеже до бота не дошло, поэтому он записан позже.
notice-daily =
    <b>Ежедневный отчёт</b> — за последние 24 часа
    { $created ->
        [one] { $created } заказ
        [few] { $created } заказа
       *[many] { $created } заказов
    }, оплачено: { $paid } ({ $conversion }%), выручка: { $revenue }
    Открытых исключений: { $exceptions }

# — terms and welcome
welcome-default = Оплачивайте в { $method } из Tonkeeper или Telegram Wallet, звёздами Telegram или картой. Нажмите кнопку ниже, чтобы начать.
button-menu-shop = 🛍 Магазин
button-menu-orders = 🧾 Мои заказы
button-menu-wallet = 👛 Кошелёк
button-menu-help = ❓ Помощь
button-menu-support = 💬 Поддержка
shop-title-named = <b>{ $shop }</b> — нажмите на товар, чтобы открыть его.
support-hours = Часы работы поддержки: { $hours }
delivery-notes = <b>Доставка:</b> { $notes }
terms-title = <b>Условия продажи</b>
terms-link = Полный текст условий: { $url }
terms-before-buying = Перед первой покупкой прочитайте, пожалуйста, условия продажи и нажмите «Согласен» — заказ будет создан сразу после этого.
terms-changed-before-buying = Условия продажи изменились с тех пор, как вы с ними согласились. Прочитайте их и нажмите «Согласен» — заказ будет создан сразу после этого.
terms-agreed = ✅ Вы согласились с этими условиями { $date } (UTC).
terms-agreed-earlier = Вы согласились с прежними условиями { $date } (UTC). Эти условия новые: нажмите «Согласен», чтобы принять их.
terms-agree-now = Нажмите «Согласен», чтобы принять их сейчас; иначе мы спросим перед первой покупкой.
terms-agreed-now = Спасибо — вы согласились с условиями продажи.
terms-changed = Условия продажи только что изменились — вот новые. Заказ пока не создан.
terms-stale = Эта кнопка относится к прежнему запросу, поэтому ничего не сделано. Нажмите /shop и выберите снова.
terms-not-recorded = Не удалось сохранить ваше согласие, поэтому заказ не создан. Пожалуйста, нажмите «Согласен» ещё раз через минуту.
button-terms-agree = ✅ Согласен
button-terms-read = 📄 Прочитать условия
invoice-terms = Условия продажи: { $url }
# — gram
# С июня 2026 монета TON называется Gram; сеть по-прежнему TON.
coin-formerly = (ранее Toncoin)
notice-paid-overpaid = 💸 Переплата: получено { $paid }, на { $excess } больше цены.
notice-paid-late = ⏰ Оплачен после истечения срока заказа.
notice-buyer-id = пользователь { $userId }
# — support inbox: tickets opened with /support and /paysupport, relayed to the admins and answered by reply
support-opened = 🎫 Обращение <b>#{ $number }</b> открыто.
support-continued = 🎫 Ваше обращение <b>#{ $number }</b> всё ещё открыто.
support-ask = Напишите сообщение — текст, фото или файлы — и мы передадим его сотрудникам магазина. Они ответят здесь, в этом чате. Закройте обращение, когда получите всё, что нужно.
paysupport-ask = Напишите номер заказа (см. /orders) и что пошло не так; для оплаты в TON добавьте ссылку на транзакцию из кошелька.
paysupport-telegram = Обратите внимание: поддержка Telegram и поддержка ботов не могут помочь с покупками, сделанными через этого бота. Помочь может только этот магазин — здесь.
support-close-button = ✖ Закрыть обращение #{ $number }
support-passed-on = ✉️ Передано магазину (обращение #{ $number }).
support-kept = ✉️ Сохранено в обращении #{ $number }, но сейчас не удалось связаться с сотрудниками магазина. Если это срочно, отправьте сообщение ещё раз через несколько минут.
support-closed-meanwhile = Обращение #{ $number } только что закрыто, поэтому это сообщение не передано. Нажмите /support, чтобы открыть новое обращение.
support-private-only = Поддержка работает в личном чате со мной: откройте мой чат и отправьте там /support.
support-closed = Обращение #{ $number } закрыто. /support откроет новое.
support-already-closed = Обращение #{ $number } уже закрыто.
support-closed-by-shop = Магазин закрыл обращение #{ $number }. Если нужна ещё помощь, /support откроет новое.
support-answer =
    💬 <b>Ответ магазина</b> (обращение #{ $number }):
    { $text }
support-answer-media = 💬 <b>Ответ магазина</b> (обращение #{ $number }):
support-kind-support = поддержка
support-kind-paysupport = поддержка по оплате
support-relay-header =
    🎫 <b>Обращение #{ $number }</b> · { $kind }
    От: { $name } · { $username } · id { $userId }
support-relay-orders = Последние заказы:
support-relay-no-orders = Заказов пока нет.
support-relay-order = • { $orderId } · { $title } · { $status }
support-relay-hint = Ответьте на это сообщение, чтобы ответить покупателю.
support-answered = ✅ Отправлено: { $name } (обращение #{ $number }).
support-answered-closed = ✅ Отправлено: { $name }. Обращение #{ $number } остаётся закрытым.
support-answer-unreachable = ⚠️ Не доставлено: { $name } заблокировал бота или удалил чат (обращение #{ $number }).
support-reply-unlinked = Это сообщение не ведёт ни к одному обращению: оно им не было или старше 30 дней. Чтобы ответить покупателю, ответьте на самое новое сообщение его обращения. Список: /admin → Обращения.
support-closed-admin = Обращение #{ $number } закрыто; покупатель уведомлён.
support-close-usage = Использование: /close и номер обращения, например /close 17
support-not-found = Обращения #{ $number } нет.
support-state-open = открыто
support-state-answered = отвечено
support-age-minutes = { $n } мин
support-age-hours = { $n } ч
support-age-days = { $n } дн
admin-tickets = 🎫 Обращения
admin-tickets-title = <b>Обращения в поддержку</b>
admin-tickets-none = Открытых обращений нет.
admin-ticket-line = #{ $number } · { $state } · { $buyer } · { $age } · «{ $excerpt }»
admin-tickets-closed = Закрыто всего: { $count }
admin-tickets-help = Отвечайте ответом на сообщение обращения; /close 17 закрывает обращение #17.
