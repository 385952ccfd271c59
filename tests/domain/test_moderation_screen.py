"""The moderation screen on seller messages: the four practices in the marketplaces' languages, obfuscated,
and the legitimate messages that must pass."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.moderation import Hit, OrderFacts, Verdict, screen

TODAY = date(2026, 12, 3)


def rules(text: str, **kwargs: object) -> set[str]:
    return set(screen(text, **kwargs).rules)  # type: ignore[arg-type]


# --- each practice, in several languages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Please send me your card number, expiry date and CVV so I can refund you.",
        "请把银行卡号和验证码发给我",
        "ขอเลขบัตรและรหัส otp ด้วยครับ",
        "Sila hantar nombor kad dan kod OTP anda",
        "Tolong kirim kode OTP yang masuk ke HP kamu",
        "Vui lòng gửi số thẻ và mã OTP",
        "Envíame el número de tarjeta y el código de seguridad",
        "Me passe o número do cartão e a senha",
        "Отправьте номер карты и код из смс",
        "أرسل رقم البطاقة ورمز التحقق",
        "Hi 亲, send me your 银行卡号 please",
    ],
)
def test_asking_for_payment_details_is_held(text: str) -> None:
    verdict = screen(text)
    assert verdict.action == "hold"
    assert "payment_details" in verdict.rules


@pytest.mark.parametrize(
    "text",
    [
        "Pay me directly to my PayPal, it's cheaper.",
        "Let's deal outside the platform, you save the fees.",
        "contact me on WhatsApp +49 151 23456789 for a better price",
        "加我微信 abc12345 私下转账更便宜",
        "โอนเงินมาที่บัญชีของฉันโดยตรง",
        "Bayar langsung ke rekening saya ya, lebih murah",
        "Chuyển khoản trực tiếp cho tôi nhé",
        "Paga directamente a mi cuenta por Bizum",
        "Pague por Pix direto pra mim",
        "Переведите деньги напрямую мне на карту",
        "ادفع مباشرة إلى حسابي",
        "Venmo @lisa-deals $25 and I'll ship today",
    ],
)
def test_asking_to_pay_outside_the_platform_is_held(text: str) -> None:
    verdict = screen(text)
    assert verdict.action == "hold"
    assert "off_platform_payment" in verdict.rules


@pytest.mark.parametrize(
    "text",
    ["You are an idiot, read the listing.", "你是傻逼吗", "Dasar bodoh, baca dulu", "Eres un idiota", "Ты дебил?",
     "انت غبي", "đồ ngu", "ควายจริงๆ", "I know where you live.", "you pig"],
)  # fmt: skip
def test_disrespect_is_flagged(text: str) -> None:
    assert screen(text) == Verdict("flag", screen(text).hits)
    assert screen(text).rules == ("disrespect",)


@pytest.mark.parametrize("text", ["pig leather wallet", "Please wait in line", "Sorry, my stupid mistake"])
def test_everyday_words_that_can_insult_pass_unless_aimed_at_the_buyer(text: str) -> None:
    assert screen(text).action == "allow"


def test_a_shipped_claim_without_tracking_is_flagged_only_with_the_orders_facts() -> None:
    text = "Your parcel has shipped and is on its way."
    untracked = OrderFacts(has_tracking=False, delivered=False, eta=None, today=TODAY)
    tracked = OrderFacts(has_tracking=True, delivered=False, eta=date(2026, 12, 6), today=TODAY)
    assert screen(text).action == "allow"
    assert screen(text, facts=untracked).rules == ("false_information",)
    assert screen(text, facts=tracked).action == "allow"
    assert screen("It has not shipped yet, sorry.", facts=untracked).action == "allow"


def test_a_promised_date_already_past_or_before_the_carriers_estimate_is_flagged() -> None:
    facts = OrderFacts(has_tracking=True, delivered=False, eta=date(2026, 12, 10), today=TODAY)
    assert screen("It will arrive on 2026-11-30.", facts=facts).rules == ("false_information",)
    assert screen("It will arrive tomorrow.", facts=facts).rules == ("false_information",)
    assert screen("Посылка придёт 30 ноября.", facts=facts).rules == ("false_information",)
    assert screen("预计11月28日送达。", facts=facts).rules == ("false_information",)
    assert screen("It will arrive on 12 December.", facts=facts).action == "allow"


def test_a_delivered_claim_is_flagged_when_the_order_is_not_delivered() -> None:
    facts = OrderFacts(has_tracking=True, delivered=False, eta=None, today=TODAY)
    assert screen("It was delivered yesterday, check with your neighbours.", facts=facts).rules == (
        "false_information",
    )
    delivered = OrderFacts(has_tracking=True, delivered=True, eta=None, today=TODAY)
    assert screen("It was delivered yesterday, check with your neighbours.", facts=delivered).action == "allow"


# --- obfuscation --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "pay to card 4539 1488 0343 6467",  # spaced digits
        "pay to card 4539.1488.0343.6467",  # dotted digits
        "pay to card ４５３９１４８８０３４３６４６７",  # full-width digits
        "pay to card four five three nine one four eight eight zero three four three six four six seven",  # words
        "рау to my paypal",  # Cyrillic homoglyphs
        "pay to my ΡαyΡαl",  # Greek homoglyphs
        "pay to my p\u200ba\u200by\u200bp\u200ba\u200bl",  # zero-width
        "pay to my p a y p a l",  # letters spelled apart
        "pay to my p.a.y.p.a.l",
        "pay to my pay💰pal",  # emoji inside the word
        "pay to my p🙂a🙂y🙂p🙂a🙂l",  # emoji between letters
        "pay to my paypa1",  # leetspeak
        "ｐａｙ ｍｅ ｏｎ ｐａｙｐａｌ",  # full-width letters
        "w h a t s a p p me +44 7700 900123",
    ],
)
def test_obfuscated_requests_are_still_held(text: str) -> None:
    assert screen(text).action == "hold", screen(text)


def test_send_me_your_cvv_with_a_cyrillic_c_is_held() -> None:
    assert screen("send me your \u0441vv").rules == ("payment_details",)


# --- validated identifiers ----------------------------------------------------------------------------------------


def test_a_card_number_counts_only_when_it_passes_luhn() -> None:
    assert screen("pay to card 4539 1488 0343 6467").action == "hold"
    assert screen("pay to card 4539 1488 0343 6468").action == "allow"


def test_an_iban_counts_only_when_its_checksum_is_right() -> None:
    assert screen("transfer to DE89 3704 0044 0532 0130 00").rules == ("off_platform_payment",)
    assert screen("Hazme una transferencia a ES91 2100 0418 4502 0005 1332 y listo").action == "hold"
    assert screen("reference DE89 3704 0044 0532 0130 01").action == "allow"


@pytest.mark.parametrize(
    "address",
    ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
     "0x52908400098527886E0F7030069857D2E4169EE7", "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL"],
)  # fmt: skip
def test_a_crypto_address_is_held(address: str) -> None:
    verdict = screen(f"Send 38 USDT here: {address}")
    assert verdict.action == "hold"
    assert any(h.evidence == address for h in verdict.hits)


def test_a_bitcoin_address_with_a_broken_checksum_is_not_an_address() -> None:
    assert screen("ref 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3").action == "allow"


# --- legitimate messages pass --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We will never ask for your card number or OTP.",
        "We will never ask for your card number, CVV or OTP. If anyone does, please report them.",
        "Never share your OTP with anyone, including us.",
        "我们绝不会向您索要银行卡号、密码或验证码，请注意防骗。",
        "Мы никогда не просим код из СМС, пароль или номер карты.",
        "No pague a nadie fuera de la plataforma.",
        "The refund goes back to your original payment method within 5 days.",
        "Your refund of 20 EUR has been transferred to your bank account via the platform.",
        "You can pay with PayPal at checkout in the app.",
        "Your order 4539148803436467 has shipped.",
        "Tracking: 1Z999AA10123456784, order 1234567890",
        "Your DHL tracking number is JJD0002249000123456.",
        "Your parcel locker PIN is 482913, pickup code 7731.",
        "The courier's number is +66 81 234 5678, call him if he is late.",
        "Our courier will call you from +49 151 23456789 before delivery.",
        "Hello! How can I help you today?",
    ],
)
def test_legitimate_messages_are_allowed(text: str) -> None:
    assert screen(text) == Verdict("allow")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=10**9, max_value=10**10 - 1), st.sampled_from(["Order {}", "Your order {} is packed.", "{}"])
)
def test_an_order_number_alone_is_allowed(number: int, template: str) -> None:
    assert screen(template.format(number)).action == "allow"


ZERO_WIDTH = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_invisible_characters_anywhere_keep_a_held_message_held(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(["send me your card number and CVV", "pay me directly to my paypal"]))
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + data.draw(ZERO_WIDTH) + text[at:]
    verdict = screen(text)
    assert verdict.action == "hold"
    for hit in verdict.hits:
        assert text[hit.start : hit.end] == hit.evidence


# --- evidence and the verdict ---------------------------------------------------------------------------------------


def test_evidence_spans_point_into_the_original_text() -> None:
    text = "Hi! ｓｅｎｄ me your c\u200bard num\u200bber 🙏 and pay to my p a y p a l"
    verdict = screen(text)
    assert verdict.action == "hold"
    for hit in verdict.hits:
        assert text[hit.start : hit.end] == hit.evidence
    details = next(h for h in verdict.hits if h.rule == "payment_details")
    assert details.evidence.startswith("ｓｅｎｄ") and details.evidence.endswith("num\u200bber")


def test_the_action_follows_the_worst_rule_hit() -> None:
    both = screen("You idiot, send me your card number and CVV.")
    assert both.action == "hold"
    assert set(both.rules) == {"payment_details", "disrespect"}
    severities = {h.rule: h.severity for h in both.hits}
    assert severities == {"payment_details": "high", "disrespect": "medium"}
    assert screen("You idiot.").action == "flag"
    assert screen("Thanks, have a nice day.") == Verdict("allow", ())


def test_hits_name_the_rule_and_are_ordered_by_position() -> None:
    verdict = screen("Add me on WhatsApp +49 151 23456789. You are an idiot.")
    assert [h.rule for h in verdict.hits] == ["off_platform_payment", "disrespect"]
    assert all(isinstance(h, Hit) for h in verdict.hits)
    assert verdict.hits[0].start < verdict.hits[1].start
