"""Normal forms of the values duplicate detection compares (SPEC §7).

Two names that spell the same company differently — ``上海华为技术有限公司`` and
``华为技术（上海）有限公司``, full- or half-width, with or without spaces — normalise to the same
key (``华为技术``). Phones become their digits without the country prefix, emails lower case.
"""

import re
import unicodedata
from collections.abc import Iterable

# Company forms, longest first so that 股份有限公司 goes before 有限公司 before 公司.
_CJK_FORMS = tuple(
    sorted(
        {
            "股份有限公司",
            "有限责任公司",
            "集团有限公司",
            "有限公司",
            "股份公司",
            "集团公司",
            "总公司",
            "集团",
            "公司",
        },
        key=len,
        reverse=True,
    )
)
# The shortest non-empty head followed only by company forms: 某某集团股份有限公司 → 某某.
_TRAILING_FORMS = re.compile("(.+?)(?:" + "|".join(_CJK_FORMS) + ")+", re.DOTALL)
# Latin company-form words, compared per word at the end of the name.
_LATIN_FORMS = frozenset(
    {"co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc"}
    | {"gmbh", "ag", "plc", "sa", "bv", "group", "holdings", "pte", "pty"}
)
_OPEN, _CLOSE = "([{【〔〖《<", ")]}】〕〗》>"
_BRACKETED = re.compile(r"[(\[{【〔〖《<]([^()\[\]{}【】〔〕〖〗《》<>]*)[)\]}】〕〗》>]")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script, not punctuation or spaces
_DIGITS = re.compile(r"\d+")

# Administrative suffixes: 广东省 is also written 广东, 广西壮族自治区 also 广西.
_REGION_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
)
# Provinces and major cities, so that names normalise alike before any region tree exists.
_BUILTIN_REGION_TEXT = (
    "中国 北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 "
    "石家庄 太原 沈阳 大连 长春 哈尔滨 南京 苏州 无锡 常州 南通 杭州 宁波 温州 绍兴 嘉兴 合肥 "
    "福州 厦门 泉州 南昌 济南 青岛 烟台 潍坊 郑州 洛阳 武汉 长沙 广州 深圳 珠海 佛山 东莞 中山 "
    "汕头 海口 三亚 成都 贵阳 昆明 西安 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 南宁 桂林"
)
BUILTIN_REGIONS = frozenset(_BUILTIN_REGION_TEXT.split())


def _fold(text: str) -> str:
    """Full-width to half-width and compatibility forms (NFKC), then case-folded."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def region_variants(names: Iterable[str]) -> frozenset[str]:
    """Each region name as written and without its administrative suffix (广东省 → 广东)."""
    found = set()
    for name in names:
        name = "".join(_WORD.findall(_fold(name or "")))
        if len(name) < 2:
            continue
        found.add(name)
        for suffix in _REGION_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                found.add(name[: -len(suffix)])
                break
    return frozenset(found)


def region_names() -> frozenset[str]:
    """The built-in names plus every name of the region tree (one query)."""
    from kehu.masterdata.models import Region

    return region_variants(BUILTIN_REGIONS | set(Region.objects.values_list("name", flat=True)))


class NameNormalizer:
    """Normalises names against one set of region names (read once per report or check)."""

    def __init__(self, regions: Iterable[str]):
        self.regions = region_variants(regions)
        # Each place also with an administrative word behind it: 上海 → 上海市.
        self.places = self.regions | {r + s for r in self.regions for s in _REGION_SUFFIXES}
        self.longest = max((len(r) for r in self.regions), default=0)

    def __call__(self, text: str | None) -> str:
        # Each pass only removes; repeat until nothing changes, so that the result is stable
        # (a suffix may show once a bracket is gone, a region once a suffix is).
        result = _fold(text or "")
        for _round in range(10):
            again = self._once(result)
            if again == result:
                break
            result = again
        return result

    def _once(self, text: str) -> str:
        text = _BRACKETED.sub(self._bracket, text)
        words = _WORD.findall(text)
        while len(words) > 1 and words[-1] in _LATIN_FORMS:
            words.pop()
        name = "".join(words)
        name = self._strip_forms(name)
        return self._strip_regions(name)

    def _bracket(self, match: re.Match) -> str:
        """``（上海）`` names a place: dropped. ``（集团）`` is part of the name: kept, without
        the brackets."""
        inner = "".join(_WORD.findall(match.group(1)))
        return " " if self._is_region(inner) else f" {inner} "

    def _is_region(self, text: str) -> bool:
        return text in self.places

    @staticmethod
    def _strip_forms(name: str) -> str:
        match = _TRAILING_FORMS.fullmatch(name)
        return match.group(1) if match else name

    def _strip_regions(self, name: str) -> str:
        """Drop leading place names (广东省深圳市…), never the whole name."""
        changed = True
        while changed and not self._is_region(name):
            changed = False
            for length in range(min(self.longest, len(name) - 1), 1, -1):
                if name[:length] in self.regions:
                    name = self._strip_region_suffix(name[length:]) or name[length:]
                    changed = True
                    break
        return name

    @staticmethod
    def _strip_region_suffix(rest: str) -> str:
        """上海市华为 → 华为 when only 上海 is known: the administrative word goes with it."""
        for suffix in _REGION_SUFFIXES:
            if rest.startswith(suffix) and len(rest) > len(suffix):
                return rest[len(suffix) :]
        return rest


_builtin = NameNormalizer(BUILTIN_REGIONS)


def normalize_name(text: str | None, *, regions: Iterable[str] | None = None) -> str:
    """The comparison key of a customer name.

    Full-width characters become half-width, letters lower case; spaces and punctuation go;
    brackets go but their content stays unless it is a place name; company forms at the end
    (有限公司, 股份有限公司, 集团, Co., Ltd. …) and place names at the start (省, 市, from the
    region tree and a built-in list of provinces and major cities) are removed. Without
    ``regions`` the built-in list and the region tree are used.
    """
    if regions is None:
        return NameNormalizer(region_names())(text)
    return NameNormalizer(regions)(text)


def name_digits(key: str) -> tuple[str, ...]:
    """The numbers in a normalised name: 测试客户1 and 测试客户2 are different companies."""
    return tuple(number.lstrip("0") or "0" for number in _DIGITS.findall(key))


MIN_PHONE_DIGITS = 7


def normalize_phone(text: str | None) -> str:
    """Digits only, without +86 / 0086; empty when too short to tell customers apart."""
    raw = _fold(text or "").strip()
    digits = "".join(ch for ch in raw if ch.isascii() and ch.isdigit())
    if raw.startswith("+86"):
        digits = _domestic(digits[2:])
    elif digits.startswith("0086"):
        digits = _domestic(digits[4:])
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]  # 86 before an 11-digit mobile number
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


def _domestic(digits: str) -> str:
    """A number after +86 as dialled at home: a landline gets its trunk 0 back (+86 21… → 021…)."""
    if len(digits) == 11 and digits.startswith("1"):
        return digits  # a mobile number
    return digits if digits.startswith("0") else f"0{digits}"


def normalize_email(text: str | None) -> str:
    """Lower case without surrounding spaces; empty unless it looks like an address."""
    value = _fold(text or "").strip()
    return value if "@" in value else ""


def normalize_credit_code(text: str | None) -> str:
    """Upper case without spaces, as the archive stores it."""
    return "".join((text or "").split()).upper()
