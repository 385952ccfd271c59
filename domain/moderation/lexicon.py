"""The watched words, per practice and per language (en, zh, th, ms, id, vi, es, pt, ru, ar).

Each entry is a regular-expression fragment over casefolded, normalised text. A space stands for any short
separator ("card number", "card-number", "cardnumber"); an entry ending in `*` is a stem (no word end after it).
Latin, Cyrillic and Vietnamese entries match whole words; Chinese, Thai and Arabic ones anywhere, as those
scripts do not put spaces (or put prefixes) around words. All languages are watched in every message, since
sellers mix them.
"""

from __future__ import annotations

# A request addressed to the buyer: "send me", "what is your", "please provide".
ASK = [
    "gui", "gửi cho",
    "what's the", "what is the", "whats the", "read (?:it )?out", "read me", "forward (?:it|them)", "send (?:it|them) to me", "说一下", "转发给", "告诉", "发我一下", "รบกวนส่ง", "ส่งมา", "forward kat saya", "kirim ke admin", "itu kirim", "foto", "apa", "berapa", "qual (?:[eé] )?(?:a |o )?(?:sua|seu)", "me manda*", "me envia*", "me dices", "me diz", "ab3atli", "prishlite", "skinte", "dayte", "пришлите", "скиньте", "какой", "أرسل لي", "ارسلي",
    # en
    "send", "send me", "give", "give me", "tell me", "provide", "share", "need", "i need", "we need", "require*",
    "type", "enter", "input", "confirm", "verify", "what is your", "what's your", "whats your", "read me", "forward",
    "let me know", "drop", "dm me", "pm me", "write", "text me", "reply with", "can i have", "may i have",
    # zh
    "发给我", "发我", "发一下", "告诉我", "提供", "给我", "报一下", "报给我", "输入", "填写", "发过来", "私发", "需要你的", "把你的",
    # th
    "ขอ", "ส่ง", "บอก", "แจ้ง", "พิมพ์", "กรอก",
    # ms / id
    "kirim*", "kirimkan", "berikan", "berikan saya", "bagi", "bagikan", "beri", "hantar*", "sebutkan", "kasih", "minta",
    "tolong kirim", "masukkan", "isi", "perlu", "boleh bagi", "boleh berikan", "beritahu", "infokan",
    # vi
    "gửi", "cho tôi", "cho mình", "cung cấp", "đọc", "nhập", "báo", "chụp", "xin",
    # es
    "env[ií]a*", "envie*", "env[ií]eme", "m[aá]nda*", "dame", "d[ée]me", "necesito", "necesitamos", "p[aá]same",
    "proporcion*", "indique*", "indica*", "d[ií]game", "dime", "escrib*", "comparte*", "comparta*", "confirm[ae]*",
    "cu[aá]l es (?:tu|su)", "ingres[ae]*",
    # pt
    "envie*", "mande*", "me passe", "me passa", "passe", "preciso", "precisamos", "informe*", "diga*", "me fala",
    "qual [eé] (?:o )?(?:seu|sua)", "digite", "compartilh*",
    # ru
    "пришли*", "отправ*", "скин*", "назови*", "продиктуй*", "дай*", "сообщи*", "нуж*", "напиши*", "укажи*", "введи*",
    "подтверди*", "какой у вас", "какой у тебя", "скажи*",
    # ar
    "أرسل", "ارسل", "اعطني", "أعطني", "ابعث", "زودني", "أخبرني", "اخبرني", "اكتب", "ادخل", "أدخل", "شارك", "نحتاج", "أحتاج",
    "احتاج", "ما هو", "ما هي",
]  # fmt: skip

# Typing details into the app's own checkout is how paying works, not handing them to the seller.
ENTER = [
    "enter", "type", "input", "fill in", "add", "save", "use", "select", "choose", "输入", "填写", "绑定", "กรอก", "ใส่",
    "masukkan", "isi", "pilih", "nhập", "chọn", "ingres[ae]*", "introduc*", "escoj*", "elij*", "digite", "insira",
    "escolha", "введите", "укажите", "выберите", "ادخل", "أدخل", "اختر",
]  # fmt: skip

# Asks that point back at a code mentioned before ("... a one-time passcode. Read it out to me").
PRONOUN_ASK = [
    "send it to me", "send it here", "send it back", "forward it", "read it out", "read it to me", "type them", "type it",
    "give it to me", "tell me the code", "转发给", "发给我", "告诉我", "ส่งมาให้", "บอกมา", "itu kirim", "forward kat saya",
    "kirim ke admin", "bagi kat saya", "đọc cho", "gửi cho shop", "me envia aqui", "me passa", "m[aá]ndamelo", "d[ií]melo",
    "env[ií]amelo", "пришлите его", "скиньте его", "продиктуйте", "أرسله لي", "ارسله",
]  # fmt: skip

# Words that turn an ask into a warning: "we will never ask for your OTP".
NEGATION = [
    "no (?:pag|transf|deposit|env|compart|haga|realic|proporcion|facilit)\\w*", "n[aã]o (?:pague|fa[cç]a|transfira|envie)",
    "no me", "no te", "no le", "no lo", "no se", "no es necesario", "no hace falta", "no compartas", "no pedimos", "no solicitamos", "no debe", "no debes", "no des", "no dé", "no env[ií]e", "no env[ií]es",
    "if (?:you|anyone|someone|somebody) (?:get|gets|receive|receives|asks?|is asking)", "anyone asking", "someone asking", "如果有人", "若有人", "jika ada", "kalau ada", "nếu ai", "nếu có ai", "si alguien", "se algu[eé]m", "если кто", "إذا طلب", "无需", "不需要", "无须", "不必",
    "never", "not", "don't", "dont", "do not", "doesn't", "won't", "will not", "no one", "nobody", "no need", "avoid",
    "beware", "careful",
    "不会", "绝不", "不要", "切勿", "请勿", "千万不要", "别", "从不", "不得",
    "ไม่", "อย่า", "ห้าม",
    "tidak akan", "tak akan", "jangan", "tidak pernah", "tak pernah", "bukan", "tidak", "tak",
    "không bao giờ", "đừng", "không", "chớ",
    "nunca", "jam[aá]s", "n[aã]o", "nem", "cuidado",
    "никогда", "не", "ни в коем случае", "нельзя",
    "أبدا", "ابدا", "أبداً", "لا تشارك", "(?<!\\w)لا(?!\\w)", "(?<!\\w)لن(?!\\w)", "(?<!\\w)لم(?!\\w)",
]  # fmt: skip

# The buyer's payment secrets and accounts: asking for these is `payment_details`.
SECRET = [
    "pass word", "passcode", "one time passcode", "confirmation code", "(?:\\d|six|4|6)(?:-| )digit code", "code (?:by|from|in) (?:the )?sms", "code from (?:the )?(?:bank|app)", "c[0o]de from the sms", "digits (?:on|at) the (?:back|front)", "code on the (?:back|front)", "numbers? (?:on|at) the back", "pin", "token", "tac", "kod tac", "username", "clabe", "clabe interbancaria", "chave pix", "d[ií]gitos (?:de )?atr[aá]s", "n[uú]meros de atr[aá]s", "c[oó]digo que (?:le |te )?(?:lleg[oó]|chegou)", "c[oó]digo (?:por|do|de) sms", "kata sandi akun", "nomor (?:dana|ovo|gopay|shopeepay)", "kode (?:verifikasi|otp)", "kartu atm", "ag[eê]ncia", "titular", "код", "код с обратной стороны", "логин", "три цифры", "kod iz sms", "nomer karty", "ramz", "el ramz", "三位数", "背后", "过期时间", "动态码", "取款密码", "支付密码", "密碼", "卡號", "驗證碼", "帳號", "รหัส", "ยูสเซอร์", "เบอร์พร้อมเพย์", "الأرقام الثلاثة", "رمز الأمان", "الرقم السري", "رقم حسابك", "الآيبان", "الرمز", "ma cvv", "mã cvv",
    # en
    "card number", "card no", "card details", "card info*", "credit card", "debit card", "card", "cvv", "cvv2", "cvc",
    "cvc2", "security code", "expiry", "expiry date", "expiration", "exp date", "otp", "one time code",
    "one time password", "one-time code", "verification code", "sms code", "password", "passcode", "login",
    "card pin", "atm pin", "pin of your card", "bank account", "account number", "iban", "routing number",
    "sort code", "swift", "bank details", "banking details", "online banking", "paypal (?:login|password|account|email)",
    "e-wallet", "ewallet", "wallet password",
    # zh
    "银行卡号", "银行卡", "卡号", "信用卡", "密码", "验证码", "安全码", "有效期", "支付宝账号", "支付宝密码", "微信支付密码",
    "银行账户", "账号", "动态码", "短信码", "cvv码",
    # th
    "เลขบัตร", "หมายเลขบัตร", "บัตรเครดิต", "รหัส otp", "otp", "รหัสผ่าน", "เลขบัญชี", "บัญชีธนาคาร", "รหัสหลังบัตร",
    "วันหมดอายุ", "รหัสยืนยัน", "รหัส pin",
    # ms / id
    "nombor kad", "nomor kartu", "no kartu", "kartu kredit", "kad kredit", "kode otp", "kod otp", "kata sandi",
    "kata laluan", "nomor rekening", "no rekening", "nombor akaun", "akaun bank", "rekening bank", "kode verifikasi",
    "kod pengesahan", "pin atm", "pin kartu", "masa berlaku", "tarikh luput",
    # vi
    "số thẻ", "thẻ tín dụng", "mã otp", "mật khẩu", "số tài khoản", "tài khoản ngân hàng", "mã cvv", "mã xác nhận",
    "mã xác thực", "ngày hết hạn", "mã pin thẻ",
    # es
    "n[uú]mero de (?:la |su |tu )?tarjeta", "tarjeta", "c[oó]digo de seguridad", "clave", "contrase[nñ]a",
    "cuenta bancaria", "c[oó]digo otp", "c[oó]digo de verificaci[oó]n", "fecha de vencimiento", "fecha de caducidad",
    "datos bancarios", "datos de (?:la |su |tu )?tarjeta", "pin de (?:la |su |tu )?tarjeta",
    # pt
    "n[uú]mero do cart[aã]o", "cart[aã]o", "c[oó]digo de seguran[cç]a", "senha", "conta banc[aá]ria",
    "c[oó]digo de verifica[cç][aã]o", "validade", "dados banc[aá]rios", "dados do cart[aã]o",
    # ru
    "номер карты", "данные карты", "реквизиты карты", "карт[уыа]", "код из смс", "код из sms", "смс код", "sms код",
    "пароль", "код подтверждения", "срок действия", "cvv код", "cvc код", "трехзначный код", "пин код карты",
    "номер счета", "номер счёта", "банковский счет", "банковский счёт",
    # ar
    "رقم البطاقة", "بيانات البطاقة", "البطاقة", "رمز التحقق", "كلمة المرور", "كلمة السر", "الحساب البنكي", "رقم الحساب",
    "رمز otp", "الرمز السري", "تاريخ الانتهاء", "رقم الآيبان", "الايبان",
]  # fmt: skip

# Paying, in any language: "pay", "transfer", "转账".
PAY = [
    "chuyen khoan", "thanh toan", "hantar duit", "p[aá]game", "p[aá]gueme", "me pagas", "pagarme", "boleto", "hazme una transferencia", "pagamento", "combina o pagamento",
    "accept*", "we take", "take (?:crypto|paypal|usdt|bitcoin|zelle|venmo)", "bank in", "zelle me", "venmo me", "cashapp me", "收款", "扫码付", "付", "匯款", "轉帳", "付款", "รับ", "terima", "nhận", "aceptamos", "aceitamos", "принимаем", "نقبل", "7awel", "ادفع لي", "fechar o pagamento", "оплатишь", "оплату", "на оплату",
    "pay*", "payment", "transfer*", "wire", "send (?:the )?money", "send (?:the )?cash", "deposit*", "remit*", "top up",
    "settle",
    "付款", "转账", "汇款", "打款", "支付", "付钱", "转给", "打钱", "充值",
    "โอน", "จ่าย", "ชำระ",
    "bayar*", "pembayaran", "transfer", "tf", "trf", "pindahkan", "setor*", "kirim uang", "hantar duit",
    "chuyển khoản", "thanh toán", "trả tiền", "chuyển tiền", "ck",
    "pag[aáu]*", "pague*", "transfier*", "transferencia", "transfer[eê]ncia", "deposit*", "pagamento", "pix",
    "оплат*", "переве*", "перевод*", "заплат*", "скиньте деньги", "скинь деньги", "закинь*",
    "ادفع", "دفع", "حوّل", "حول المبلغ", "تحويل", "الدفع",
]  # fmt: skip

# Where the money would go instead of through the platform.
CHANNEL = [
    "qris", "qr", "qr code", "สแกน qr", "touch 'n go", "touch n go", "vietcombank", "techcombank", "vietinbank", "bidv", "agribank", "mbbank", "stk", "boleto", "oxxo", "efectivo", "en efectivo", "กสิกร", "ไทยพาณิชย์", "กรุงเทพ", "amigos y familiares", "friends and family", "f&f", "kaspi", "sberbank",
    "gift card", "steam card", "itunes card", "google play card", "礼品卡", "收款码", "二维码", "扫码", "红包", "微信红包", "stripe", "stripe link", "google pay", "apple pay", "sbp", "сбп", "тинькофф", "maybank", "cimb", "bca", "mandiri", "usdt", "trc20", "shopeepay", "stc pay", "cash app", "\\$cashtag", "7esab",
    "paypal", "pay pal", "paypal.me", "alipay", "wechat pay", "wechatpay", "weixin pay", "venmo", "zelle", "cash app",
    "cashapp", "wise", "transferwise", "western union", "moneygram", "revolut", "skrill", "payoneer", "promptpay",
    "prompt pay", "truemoney", "true money", "gcash", "paymaya", "ovo", "gopay", "dana", "linkaja", "touch n go",
    "tng", "boost", "duitnow", "momo", "zalopay", "vnpay", "viettelpay", "bizum", "nequi", "mercado pago", "pix",
    "qiwi", "yoomoney", "юmoney", "сбер*", "тинькофф", "киви", "stc pay", "fawry", "vodafone cash",
    "bitcoin", "btc", "usdt", "tether", "ethereum", "eth", "crypto*", "binance", "trc20", "erc20", "bnb",
    "bank transfer", "wire transfer", "payment link", "pay link", "paylink", "bit.ly", "paypal.com",
    "支付宝", "微信支付", "微信转账", "比特币", "泰达币", "usdt", "加密货币", "对公账户",
    "พร้อมเพย์", "ทรูมันนี่", "ví momo", "chave pix", "криптовалют*", "биткоин*", "بيتكوين",
]  # fmt: skip

# Accounts and links that could be the platform's or the buyer's: off-platform only when they are the seller's.
WEAK_CHANNEL = [
    "bank", "bank account", "account", "iban", "card", "wallet", "e-wallet",
    "银行卡", "银行账户", "账户", "账号", "卡上", "卡里", "บัญชีธนาคาร", "เลขบัญชี", "บัญชี",
    "rekening", "akaun", "akaun bank", "rekening bank", "kad", "kartu", "dompet",
    "tài khoản", "ngân hàng", "thẻ", "ví",
    "cuenta", "cuenta bancaria", "tarjeta", "conta", "conta banc[aá]ria", "cart[aã]o",
    "на карту", "на карточку", "на счет", "на счёт", "карт*", "счет", "счёт", "кошел[её]к",
    "حساب", "الحساب", "حسابي", "محفظة", "البطاقة",
    "link", "this link", "lien", "enlace", "链接", "ลิงก์", "ลิ้งค์", "tautan", "pautan", "liên kết", "ссылк*", "رابط",
]  # fmt: skip

# The account is the seller's: "my account", "our bank", "to me".
SELLER_SIDE = [
    "to me", "me directly", "directly", "direct", "my", "our", "personal", "private*", "privately", "me",
    "给我", "我的", "直接", "私下", "私人",
    "ให้ฉัน", "ของฉัน", "ของผม", "ของเรา", "โดยตรง", "มาที่", "เข้าบัญชี",
    "saya", "aku", "kami", "langsung", "terus", "ke saya", "ke aku", "peribadi", "pribadi",
    "cho tôi", "cho mình", "của tôi", "của mình", "trực tiếp", "cho em", "của em", "cho anh", "của anh",
    "a m[ií]", "mi", "mis", "nuestra", "nuestro", "directamente", "para m[ií]", "pra mim", "para mim", "minha", "meu",
    "diretamente", "direto",
    "мне", "мой", "мою", "мой", "моя", "мои", "наш*", "напрямую", "лично", "мимо",
    "لي", "حسابي", "مباشرة", "محفظتي", "إلي", "الي",
]  # fmt: skip

# Outside the platform, in so many words: held even without a channel name.
OUTSIDE = [
    "ไม่ต้องผ่านระบบ", "ยกเลิกออเดอร์ในแอป", "ยกเลิกคำสั่งซื้อแล้วโอน", "โอนตรง", "ไม่ผ่านระบบ", "jangan checkout", "không cần đặt trên app", "thanh toán ngoài", "y cancelamos el pedido", "cancela el pedido y", "no pagas fee", "te ahorras la comisi[oó]n", "la plataforma se queda", "n[aã]o pela plataforma", "sin comisi[oó]n", "sem taxa", "no fees?", "avoid the fees?", "tanpa potongan", "cancel order dalam app", "微信转账", "支付宝转账", "私下付款",
    "my own (?:site|website|shop|store)", "order (?:from|on) my (?:site|website|shop)", "my website", "nuestra web", "meu site", "мой сайт", "мимо", "без площадки", "bara el app", "独立站", "我的网店", "别在平台", "不要在平台", "不用走平台", "不走平台", "不用下单", "别下单", "不要透過平台", "不要通过平台", "不用在平台", "no need checkout", "not in the app", "not through the app", "cancel (?:the order )?on the marketplace", "cancel the marketplace order", "cancel the order on here", "refund the marketplace order", "بدون المنصة", "خارج المنصة",
    "outside (?:the |of the |this )?(?:platform|app|site|website|marketplace|shopee|lazada|amazon|aliexpress|store)",
    "off (?:the )?(?:platform|app|site|marketplace)", "not through the (?:platform|app|site)",
    "bypass (?:the )?(?:platform|app|site|marketplace)", "avoid (?:the )?(?:platform )?fees?", "save (?:the )?fees?",
    "without (?:the )?(?:platform|app) fees?", "cheaper if you pay", "pay (?:me )?outside",
    "平台外", "私下交易", "线下交易", "线下付款", "不走平台", "绕过平台", "私下转账", "走微信",
    "นอกแอป", "นอกระบบ", "นอกแพลตฟอร์ม", "ไม่ผ่านแอป",
    "luar (?:aplikasi|platform|apps?)", "di luar (?:aplikasi|platform|apps?|shopee|tokopedia|lazada)",
    "tanpa (?:lewat )?(?:aplikasi|platform)",
    "ngoài (?:sàn|ứng dụng|app|nền tảng|shopee|lazada)", "không qua (?:sàn|app|ứng dụng)",
    "fuera de (?:la )?(?:plataforma|app|aplicaci[oó]n|tienda)", "por fuera", "sin pasar por (?:la )?(?:plataforma|app)",
    "fora d[ao] (?:plataforma|app|aplicativo|site)", "por fora",
    "вне (?:площадки|платформы|сайта|приложения|маркетплейса)", "мимо (?:площадки|платформы|сайта|маркетплейса)",
    "в обход (?:площадки|платформы|сайта|маркетплейса)",
    "خارج المنصة", "خارج التطبيق", "خارج الموقع", "بدون المنصة",
]  # fmt: skip

# Messaging apps the chat could be moved to.
APP = [
    "zap", "zapzap", "телег*", "ватсапп", "ws",
    "whatsapp", "whats app", "watsapp", "wasap", "wechat", "we chat", "weixin", "line id", "line app", "telegram",
    "viber", "zalo", "kakao", "kakaotalk", "skype", "wickr", "whatapp",
    "微信", "vx", "v信", "薇信", "威信", "加v", "电报",
    "ไลน์", "ไลน์ไอดี", "ไอดีไลน์", "วอทส์แอป",
    "ватсап*", "вотсап*", "вацап*", "телеграм*", "телега", "вайбер*", "viber",
    "واتساب", "واتس", "تيليجرام", "تلغرام", "تليجرام",
]  # fmt: skip

# App names that are also everyday words ("line", "signal", "wa"): they count only next to a number or a handle.
AMBIGUOUS_APP = [
    "line",
    "wa",
    "tg",
    "signal",
    "ig",
    "fb",
    "imo",
    "messenger",
    "instagram",
    "facebook",
    "飞机",
    "qq",
    "ib",
]

# Paying the seller directly, in so many words.
DIRECT = [
    "thẳng cho", "chuyển khoản thẳng", "p[aá]game", "me pagas", "bayar terus", "terus kat saya", "kat saya", "มาที่ร้าน", "ke nombor ni", "a esta tarjeta", "cho shop", "toko saya", "ke toko",
    "direct to my", "直接匯款", "直接打款", "直接付款",
    "directly", "me directly", "direct to me", "to me", "to my", "into my", "personally",
    "直接给我", "直接转", "转给我", "打给我", "私下", "给我转", "转到我",
    "โดยตรง", "โอนมาที่", "โอนเข้า", "โอนให้ผม", "โอนให้ฉัน", "โอนมา",
    "langsung ke", "terus ke", "langsung", "ke rekening saya", "ke akaun saya", "ke saya",
    "trực tiếp", "cho tôi", "cho mình", "cho em", "vào tài khoản",
    "directamente", "a m[ií]", "a mi", "diretamente", "direto", "pra mim", "para mim",
    "напрямую", "мне на", "лично мне", "на мою", "на мой",
    "مباشرة", "لي مباشرة", "إلى حسابي", "الى حسابي", "على حسابي",
]  # fmt: skip

# Moving the conversation: "contact me", "add me", "chat with me".
CONTACT = [
    "contact", "contact me", "add me", "message me", "text me", "chat (?:with )?me", "reach me", "dm me", "call me",
    "ping me", "talk (?:on|via|in)", "let's (?:talk|chat|continue)", "continue (?:on|in|via)", "find me", "my number",
    "my id", "add", "msg me", "whatsapp me", "hit me up",
    "加我", "联系我", "加一下", "私聊", "找我", "添加", "聊",
    "แอด", "ทักมา", "ทัก", "ติดต่อ", "คุยกัน", "คุยทาง",
    "hubungi", "chat saya", "whatsapp saya", "wa saya", "wasap", "add saya", "tambah", "pc", "japri", "mesej",
    "nhắn", "liên hệ", "kết bạn", "inbox", "add zalo",
    "escr[ií]beme", "cont[aá]ctame", "cont[aá]ctenos", "agr[eé]game", "h[aá]blame", "ll[aá]mame", "mensaje",
    "me chama", "fale comigo", "me adicione", "me add", "chama no", "me manda mensagem", "contato",
    "пиши*", "напиши*", "добав*", "свяж*", "звони*", "связь",
    "تواصل", "راسلني", "كلمني", "اضفني", "أضفني",
]  # fmt: skip

# A phone number or contact handed over for the courier is how deliveries work, not moving the chat.
COURIER = [
    "courier", "driver", "rider", "delivery (?:man|guy|person|agent|company)", "postman", "post office", "carrier",
    "dhl", "fedex", "ups", "usps", "dpd", "gls", "hermes", "j&t", "jnt", "ninja van", "flash express", "kerry",
    "快递", "快递员", "司机", "派送员", "骑手",
    "พนักงานส่ง", "คนส่งของ", "ไรเดอร์", "ขนส่ง",
    "kurir", "abang kurir", "pemandu", "penghantar",
    "shipper", "tài xế", "bưu tá", "người giao hàng",
    "repartidor", "mensajero", "transportista", "correos", "entregador", "motoboy", "carteiro", "transportadora",
    "курьер*", "водител*", "почт*",
    "المندوب", "السائق", "مندوب التوصيل", "شركة الشحن",
]  # fmt: skip

# Entering payment details in the platform's own checkout is what the platform asks for, not the seller.
IN_APP = [
    "checkout", "check out", "halaman checkout", "trang thanh toán", "của sàn", "tela de pagamento", "do app", "странице оформления", "оформления заказа", "داخل التطبيق", "صفحة الدفع",
    "through the checkout", "only through", "via checkout", "dalam app", "dalam aplikasi", "di app", "lewat app", "melalui app", "pelo app", "pelo aplicativo", "pela plataforma", "qua app", "por la app", "через приложение", "через площадку", "عبر التطبيق", "在平台内", "平台内", "通过平台",
    "in the app", "in our app", "on the app", "through the app", "via the app", "at checkout", "in checkout",
    "on the platform", "on the website", "in the platform", "official app",
    "在app", "在平台", "在应用", "ในแอป", "ผ่านแอป", "di aplikasi", "dalam aplikasi", "melalui aplikasi", "trong ứng dụng",
    "trên app", "en la app", "en la aplicaci[oó]n", "en la plataforma", "no app", "no aplicativo", "na plataforma",
    "в приложении", "на сайте", "في التطبيق", "على المنصة",
]  # fmt: skip

# The platform's own refund or payment, explained: legitimate even with pay words and channel names in it.
PLATFORM = [
    "refund*", "refunded", "the platform", "through the app", "via the app", "in the app", "platform's",
    "original payment method", "back to your", "to your (?:card|account|wallet|bank)", "your (?:card|account) will",
    "退款", "原路退回", "平台",
    "คืนเงิน", "ผ่านแอป", "แพลตฟอร์ม",
    "pengembalian dana", "refund", "bayaran balik", "dikembalikan", "melalui aplikasi", "lewat aplikasi",
    "hoàn tiền", "hoàn lại", "qua sàn", "qua ứng dụng",
    "reembols*", "devoluci[oó]n", "la plataforma", "reembolso", "estorno", "a plataforma",
    "возврат*", "вернем", "вернём", "вернутся", "площадк*",
    "استرداد", "استرجاع", "المنصة",
]  # fmt: skip

# Disrespect: insults, slurs, contempt.
INSULT = [
    "stop whining", "your own fault", "people like you", "f\\*+ off", "f\\*+k", "id[1l]ot*", "是不是傻", "你傻", "滚吧", "^滚", "滚[，,!！。]", "อย่ามาเรื่องมาก", "ไม่พอใจก็ไม่ต้องซื้อ", "orang miskin", "dasar miskin", "miskin", "babi punya", "im mồm", "câm mồm", "câm miệng", "ngậm mồm",
    # en
    "idiot*", "moron*", "dumbass", "retard*", "imbecile", "fool", "loser", "pathetic", "clown",
    "scum*", "garbage person", "piece of (?:shit|crap|garbage)", "shit*", "bullshit", "fuck*", "f\\*ck*",
    "wtf", "stfu", "shut up", "bitch*", "bastard", "asshole", "arsehole", "dickhead", "cunt",
    "are you blind", "can't you read", "cant you read", "learn to read", "brain ?dead", "brainless",
    "get lost", "go to hell", "nobody cares", "who cares", "not my problem", "your problem", "cheapskate",
    "beggar", "damn you", "nigger", "nigga", "chink", "gook", "paki", "faggot", "whore", "slut",
    # zh
    "傻逼", "傻b", "煞笔", "白痴", "笨蛋", "蠢货", "蠢猪", "滚蛋", "给我滚", "去死", "神经病", "脑残", "废物", "他妈", "妈的",
    "操你", "贱人", "穷鬼", "你有病", "你瞎", "智障", "王八蛋", "混蛋", "狗东西",
    # th
    "ควาย", "โง่", "ไอ้สัตว์", "เหี้ย", "ส้นตีน", "ไอ้บ้า", "อีดอก", "ชาติหมา", "หน้าโง่", "ปัญญาอ่อน", "มึง",
    "ไปตาย", "ตอแหล", "เสือก",
    # ms / id
    "bodoh", "bangsat", "anjir", "goblok", "goblog", "tolol", "sial", "bego", "kampret", "bangang",
    "sialan", "brengsek", "kurang ajar", "otak udang", "bebal", "celaka", "idiot",
    "buta ke", "buta kah", "pukimak", "puki", "kepala bapak",
    # vi
    "ngu", "đồ ngu", "ngu ngốc", "óc chó", "đm", "đmm", "vcl", "vkl", "địt", "thằng chó", "cút đi",
    "mất dạy", "khốn nạn", "đồ khốn", "láo", "đồ điên", "đần", "súc vật", "đĩ", "mù à", "mù hả",
    # es
    "idiota", "est[uú]pid[oa]", "imb[eé]cil", "pendej[oa]", "cabr[oó]n", "gilipollas", "tont[oa]", "mierda",
    "puta*", "hijo de puta", "joder", "jodete", "j[oó]dete", "c[aá]llate", "in[uú]til", "ignorante", "maldit[oa]",
    "pinche", "baboso", "est[aá]s ciego", "tarad[oa]", "estupidez",
    # pt
    "burr[oa]", "ot[aá]ri[oa]", "babaca", "porra", "caralho", "vai se foder", "vai tomar no cu", "merda", "idiota",
    "imbecil", "cala a boca", "filho da puta", "desgra[cç]ad[oa]", "vagabund[oa]",
    "est[aá] cego", "cretino",
    # ru
    "идиот*", "дурак*", "дура", "тупой", "тупая", "тупица", "дебил*", "урод*", "сука", "блять", "бля", "блядь",
    "заткнись", "пошел вон", "пошёл вон", "пошел на", "пошёл на", "мудак*", "кретин*", "тварь",
    "скотина", "ублюдок", "придурок", "нищеброд", "ты слепой", "ты слепая", "лох", "хуй*", "нахуй", "пизд*",
    # ar
    "غبي", "حمار", "يا كلب", "اخرس", "حقير", "تافه", "ابن الكلب", "يا حيوان", "أحمق", "احمق", "لعنة",
    "غبية", "انقلع",
]  # fmt: skip

# Threats against the buyer.
THREAT = [
    "see what happens", "siap kau", "siap lu", "gue datengin", "datengin rumah", "awas ya kalau", "vai se ver comigo", "راح تندم", "تندم", "you'll be sorry", "you will be sorry",
    "i will find you", "i'll find you", "we know where you live", "i know where you live", "you will regret",
    "you'll regret", "watch your back", "i will kill", "i'll kill", "kill you", "hurt you", "beat you",
    "i will hurt", "i'll hurt", "you will pay for", "you'll pay for this", "post your (?:address|photo)",
    "我知道你住哪", "弄死你", "杀了你", "打死你", "你等着", "走着瞧",
    "ระวังตัว", "ฆ่ามึง", "เจอกันแน่",
    "aku bunuh", "saya bunuh", "awas kau", "awas kamu", "tunggu pembalasan", "gue habisin", "aku tahu rumah",
    "tao giết", "giết mày", "biết nhà mày", "liệu hồn",
    "te voy a matar", "s[eé] d[oó]nde vives", "te vas a arrepentir", "te vai arrepender", "vou te matar",
    "sei onde voc[eê] mora",
    "убью", "я тебя найду", "пожалеешь", "знаю где ты живешь", "знаю, где ты живешь", "тебе конец",
    "سأقتلك", "ساقتلك", "سأجدك", "ستندم", "أعرف أين تسكن",
]  # fmt: skip

# Words that insult only when aimed at the buyer ("you pig", not "pig leather"): need a "you" in the clause.
AMBIGUOUS_INSULT = [
    "stupid", "dumb",
    "fool", "pig", "trash", "garbage", "useless", "clown", "monkey", "jerk", "bloody", "crazy", "dog",
    "滚", "贱", "垃圾", "有病", "瞎",
    "บ้า", "สัตว์", "หมา",
    "anjing", "babi", "monyet", "setan", "sampah", "gila",
    "con chó", "điên", "cút", "rác",
    "basura", "cerdo", "payaso", "perro", "lixo", "besta", "palha[cç]o", "porco", "cachorro",
    "козел", "козёл", "свинья", "собака", "мусор",
    "كلب", "حيوان", "قذر", "وسخ", "أعمى", "اعمى", "زبالة",
]  # fmt: skip

# Insults whose words are also everyday words elsewhere: flagged only when aimed at "you".
SECOND_PERSON = [
    "don't be", "dont be", "ลูกค้า", "kak", "khách", "cliente", "customer", "клиент", "buyer", "顾客", "买家", "亲",
    "you", "your", "you're", "u", "ur", "你", "您", "มึง", "คุณ", "แก", "kamu", "awak", "kau", "lu", "lo", "anda", "mày",
    "bạn", "anh", "chị", "tú", "t[uú]", "usted", "voc[eê]", "tu", "ты", "тебя", "вы", "вас", "أنت", "انت", "انتي",
]  # fmt: skip

# Delivery claims, checked against the order's facts when the screen has them.
SHIPPED_CLAIM = [
    "ส่งของให้แล้ว", "ส่งให้แล้ว", "dah pos", "sudah pos", "sudah kirim", "dah kirim", "já despachei", "despachei", "уже отправил*", "отправил*", "تم شحن", "(?<!سي)تم الشحن", "已经发货", "已发出", "sudah diantar",
    "shipped", "dispatched", "has been sent", "was sent", "sent (?:it|out|your)", "on (?:its|the) way", "in transit",
    "handed (?:it )?(?:over )?to the (?:courier|carrier)", "with the courier",
    "已发货", "发货了", "已寄出", "寄出了", "在路上",
    "ส่งแล้ว", "จัดส่งแล้ว", "ส่งของแล้ว", "อยู่ระหว่างจัดส่ง",
    "sudah dikirim", "telah dikirim", "dah hantar", "sudah hantar", "telah dihantar", "dalam perjalanan",
    "đã gửi", "đã giao cho", "đã ship", "đang trên đường", "đang giao",
    "enviado", "despachado", "ya (?:lo )?envi[eé]", "en camino", "foi enviado", "j[aá] enviei", "a caminho",
    "отправлен*", "отправили", "уже в пути", "в пути",
    "تم إرسال", "تم ارسال", "في الطريق",
]  # fmt: skip
DELIVERED_CLAIM = [
    "已经签收", "签收了", "显示已签收", "se entreg[oó]", "entreg[oó]", "foi entregue", "đã giao hàng", "уже доставлен*", "تم استلام", "sudah diterima", "sudah sampai",
    "delivered", "was delivered", "has been delivered", "已签收", "已送达", "已经送到", "ส่งถึงแล้ว", "ได้รับแล้ว",
    "sudah sampai", "telah sampai", "sudah diterima", "dah sampai", "đã giao", "đã nhận", "entregado", "entregue",
    "доставлен*", "вручен*", "تم التسليم", "تم التوصيل",
]  # fmt: skip
# A promised arrival; a date after it is the promise's date.
ARRIVAL_PROMISE = [
    "送达", "预计", "tới", "sẽ tới", "sẽ đến", "llegar[aá]", "chegar[aá]", "придет", "придёт", "приедет", "تصل", "ستصل",
    "arrive*", "arriving", "deliver*", "get it", "receive it", "be there", "reach you", "eta", "by", "on",
    "到货", "送到", "到达", "到",
    "ถึง", "ได้รับ",
    "sampai", "tiba", "diterima",
    "nhận được", "giao", "đến",
    "lleg*", "recibir[aá]", "chega*", "receber[aá]", "entreg*",
    "придет", "придёт", "доставим", "доставят", "получите",
    "يصل", "ستصل", "سيصل", "ستستلم",
]  # fmt: skip
TOMORROW = ["tomorrow", "明天", "พรุ่งนี้", "besok", "esok", "ngày mai", "ma[nñ]ana", "amanh[aã]", "завтра", "غدا", "غداً", "بكرة"]  # fmt: skip
YESTERDAY = ["yesterday", "昨天", "เมื่อวาน", "kemarin", "semalam", "hôm qua", "ayer", "ontem", "вчера", "أمس", "امبارح"]  # fmt: skip
TODAY = ["today", "今天", "วันนี้", "hari ini", "hôm nay", "hoy", "hoje", "сегодня", "اليوم"]  # fmt: skip

# The strongest secrets: asked about in a question even without a verb ("PIN GoPay-nya berapa?").
STRONG_SECRET = [
    "cvv", "cvc", "otp", "pin", "password", "(?:\\d|six|4|6)(?:-| )digit code", "kode verifikasi", "kode otp", "kod otp", "pass word", "passcode", "security code", "verification code", "kata sandi",
    "kata laluan", "tac", "mật khẩu", "mã otp", "contrase[nñ]a", "clave", "senha", "пароль", "код из смс", "密码", "验证码",
    "动态码", "รหัสผ่าน", "รหัส otp", "كلمة المرور", "كلمة السر", "رمز التحقق",
]  # fmt: skip

# Codes for parcel lockers and pickup points, which sellers rightly pass on.
LOCKER = [
    "locker", "pickup", "pick-up", "pick up", "parcel", "collection", "tracking", "track", "delivery code", "courier",
    "取件", "自提", "快递柜", "丰巢", "ตู้", "พัสดุ", "loker", "paket", "resi", "armário", "retirada", "casillero",
    "recogida", "seguimiento", "rastreio", "постамат*", "ячейк*", "трек*", "пункт выдачи", "الخزانة", "الاستلام", "التتبع",
]  # fmt: skip

# A number labelled as an order, a tracking number or a pickup code is not a card.
NUMBER_LABEL = [
    "order", "tracking", "track", "parcel", "shipment", "awb", "waybill", "locker", "pickup", "pick-up", "pick up",
    "collection", "code", "pin", "ref*", "reference", "invoice", "ticket", "#", "no\\.?",
    "订单", "单号", "运单", "快递单", "取件码", "提货码", "自提",
    "คำสั่งซื้อ", "เลขพัสดุ", "เลขติดตาม", "รหัสรับ",
    "pesanan", "resi", "no resi", "nombor penjejakan", "kod ambil", "kode ambil",
    "đơn hàng", "mã vận đơn", "mã đơn",
    "pedido", "seguimiento", "rastreo", "rastreio", "c[oó]digo de recogida", "c[oó]digo de retirada",
    "заказ*", "трек*", "код получения", "постамат*", "ячейк*",
    "الطلب", "رقم التتبع", "رقم الشحنة",
]  # fmt: skip

# A number labelled as a product's own (a phone's IMEI, a box's barcode) is not a card either. For `masking`,
# which hides card numbers in a buyer's words with no payment words to wait for, unlike the screen.
PRODUCT_NUMBER_LABEL = [
    "imei", "barcode", "bar code", "ean", "upc", "serial*", "s/n", "sn", "sku", "model", "part number", "batch",
    "条码", "条形码", "串号", "序列号", "型号", "货号", "บาร์โค้ด", "kod bar", "kode batang", "mã vạch", "số seri",
    "c[oó]digo de barras", "n[uú]mero de s[eé]rie", "штрихкод*", "штрих-код*", "серийн*", "الباركود", "الرقم التسلسلي",
]  # fmt: skip

# Number words that spell a card or account number out: "four five three two ...".
NUMBER_WORDS: dict[str, str] = {
    **dict(zip("zero one two three four five six seven eight nine".split(), "0123456789")),
    "oh": "0", "nil": "0",
    **dict(zip("cero uno dos tres cuatro cinco seis siete ocho nueve".split(), "0123456789")),
    "um": "1", "dois": "2", "três": "3", "quatro": "4", "sete": "7", "oito": "8", "nove": "9",
    **dict(zip("nol satu dua tiga empat lima enam tujuh delapan sembilan".split(), "0123456789")),
    "kosong": "0", "lapan": "8",
    **dict(zip("không một hai ba bốn năm sáu bảy tám chín".split(), "0123456789")),
    **dict(zip("ноль один два три четыре пять шесть семь восемь девять".split(), "0123456789")),
}  # fmt: skip

# Latin words that count when spelled apart ("p a y p a l", "w.h.a.t.s.a.p.p").
SPELLED_APART_WORDS = [
    "pix", "zap", "ไลน์", "telegu", "телегу", "otp",
    "微信", "支付宝", "银行卡号", "银行卡", "卡号", "密码", "验证码", "傻逼", "傻b", "واتساب", "واتس", "телег", "телеграм", "код", "пароль", "senha", "cart", "ватсап", "付款", "转账",
    "paypal", "alipay", "wechat", "whatsapp", "telegram", "line", "cvv", "cvc", "otp", "card", "iban", "bank",
    "usdt", "btc", "bitcoin", "crypto", "venmo", "zelle", "wise", "transfer", "pay", "password", "pin", "idiot",
    "stupid", "fuck", "shit", "bodoh", "goblok", "tolol", "idiota", "viber", "zalo", "signal", "skype", "gcash",
    "promptpay", "momo", "revolut", "account", "wa",
]  # fmt: skip
