"""Seeded, deterministic generator of realistic Chinese customer data as plain dicts.

Nothing here touches the database: the trees and small lists are constants, and
:func:`generate_customers` streams customers in the vocabulary of ``kehu.customers.fields`` (the
input of ``customer_create``). The same seed and reference date always give the same data, and
the work per customer is small, so benchmarks can stream a million customers from here.

Names stay unique at that scale by construction: the i-th customer's 字号 and industry word are
the i-th element of a keyed permutation of all their combinations, and neither the place in
front (no place name begins another) nor the company form behind can make two combinations
spell the same name. Credit codes are unique the same way.
"""

import datetime
import random
from bisect import bisect
from collections.abc import Iterator
from decimal import Decimal

from stdnum.iso7064 import mod_11_10
from stdnum.jp import cn as jp_cn
from stdnum.sg import uen as sg_uen

from kehu.customers.mnemonic import mnemonic_for
from kehu.demo.tables import (
    _BANK_BRANCHES,
    _BANKS,
    _CITIES,
    _CONTACT_NOTES,
    _CURRENCY_SCALE,
    _EIN_PREFIXES,
    _GIVEN,
    _GRADE_CUM,
    _GRADE_RULES,
    _GRADES,
    _MAIL_BOXES,
    _MOBILE_PREFIXES,
    _ORG_NUMBER_SPACE,
    _ORG_NUMBER_STEP,
    _ORG_WEIGHTS,
    _OVERSEAS,
    _OVERSEAS_COUNTRIES,
    _OVERSEAS_TITLES,
    _OVERSEAS_TLD,
    _PARKS,
    _PERMITS,
    _PRICE_LEVELS,
    _PROVINCE_CUM,
    _PROVINCES,
    _REMARKS,
    _ROADS,
    _SALES_BY_DEPARTMENT,
    _SHOP_WORDS,
    _SLUGS,
    _SOURCES,
    _SURNAME_CUM,
    _SURNAMES,
    _TERMS_DAYS,
    _TITLES_FIRST,
    _TITLES_MORE,
    _USCC_CHARS,
    _USCC_VALUE,
    _USCC_WEIGHTS,
    _WORDS,
    _ZIHAO,
    CLASS_TREE,
    COMPANY_FORMS,
    LARGE_FORMS,
    NAME_CAPACITY,
    REGION_TREE,
    SALES_DEPARTMENT,
    SHOP_FORMS,
    WHOLESALE_CLASS,
    _City,
    _Province,
)

DEFAULT_SEED = 2026


def class_tree() -> list[dict]:
    """The customer classes (scheme 2-2-3), parents first."""
    return [{"code": code, "name": name} for code, name in CLASS_TREE]


def region_tree() -> list[dict]:
    """The regions (scheme 2-2-2): China's seven big regions and 海外, parents first."""
    return [{"code": code, "name": name} for code, name in REGION_TREE]


def credit_code(kind: str, division: str, org_number: int) -> str:
    """A unified social credit code (GB 32100-2015) with both of its check characters.

    ``kind`` is the registration authority and entity type ("91" a company, "92" a sole
    trader), ``division`` the GB/T 2260 code of the registering region, and ``org_number``
    (below 10**8) the body of the organisation code, whose GB 11714 check is computed too.
    """
    body = f"{org_number:08d}"
    rest = 11 - sum(int(d) * w for d, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    code = f"{kind}{division}{body}{'X' if rest == 10 else '0' if rest == 11 else rest}"
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(code, _USCC_WEIGHTS, strict=True))
    return code + _USCC_CHARS[(31 - total) % 31]


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Shuffle:
    """A keyed one-to-one map of ``range(size)`` onto itself (a Feistel network with cycle
    walking): distinct, random-looking numbers in a stream, without remembering any."""

    def __init__(self, size: int, rng: random.Random):
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self.size, self.half, self.mask = size, bits // 2, (1 << (bits // 2)) - 1
        self.keys = [rng.getrandbits(32) for _round in range(4)]

    def __call__(self, index: int) -> int:
        half, mask = self.half, self.mask
        while True:
            left, right = index >> half, index & mask
            for key in self.keys:
                x = ((right ^ key) * 0x9E3779B1) & 0xFFFFFFFF
                x = ((x ^ (x >> 15)) * 0x85EBCA6B) & 0xFFFFFFFF
                left, right = right, left ^ ((x ^ (x >> 13)) & mask)
            index = (left << half) | right
            if index < self.size:
                return index


def _department(class_code: str, province: _Province) -> str:
    """Key accounts go to 大客户部; others to 销售一部 (华东, 华南) or 销售二部."""
    if class_code[:2] == "03":
        return "03"
    return SALES_DEPARTMENT.get(province.big, "02")


class _CustomerFactory:
    """The state of one stream: the random source, the name permutation, recent head offices,
    and which showcase cases (an expired licence, a branch...) have appeared yet."""

    HEAD_OFFICE_POOL = 300

    def __init__(self, seed: int, today: datetime.date):
        self.rng = rng = random.Random(seed)
        self.random = rng.random
        self.today = today
        self.names = _Shuffle(NAME_CAPACITY, rng)
        self.org_offset = rng.randrange(_ORG_NUMBER_SPACE)
        self.head_offices: list[dict] = []
        self.branches = 0
        self.overseas_names: set[str] = set()
        self.shown: set[str] = set()

    # ── small parts (random.random() based: a third of the cost of choice and randint) ──────
    def pick(self, items):
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def digits(self, n: int) -> str:
        """``n`` random digits, the first not 0 (a float has too few bits for more than 15)."""
        if n > 15:
            return self.digits(n - 9) + f"{self.between(0, 10**9 - 1):09d}"
        return str(self.between(10 ** (n - 1), 10**n - 1))

    def days_ago(self, low: int, high: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.between(low, high))

    def mobile(self) -> str:
        return self.pick(_MOBILE_PREFIXES) + self.digits(8)

    def phone(self, city: _City) -> str:
        return f"{city.area}-{self.between(2, 8)}{self.digits(7)}"

    def person(self) -> tuple[str, str]:
        """A Chinese name and its pinyin."""
        surname, surname_py = _SURNAMES[bisect(_SURNAME_CUM, self.random() * _SURNAME_CUM[-1])]
        given = _GIVEN[self.random() < 0.45]
        chars = [self.pick(given) for _n in range(1 if self.random() < 0.3 else 2)]
        return surname + "".join(c for c, _p in chars), surname_py + "".join(p for _c, p in chars)

    def city(self) -> _City:
        province = _PROVINCES[bisect(_PROVINCE_CUM, self.random() * _PROVINCE_CUM[-1])]
        return self.pick(province.cities)

    def address(self, city: _City, *, warehouse: bool = False) -> str:
        prefix = city.province.address_prefix or f"{city.province.full}{city.name}市"
        text = f"{prefix}{self.pick(city.districts)}{self.pick(_ROADS)}{self.between(1, 999)}号"
        if warehouse:
            return f"{text}{self.pick(_PARKS)}{self.between(1, 12)}号库"
        return text

    def postal_code(self, city: _City) -> str:
        return f"{city.postal[:4]}{self.between(0, 99):02d}"

    def name_parts(self, index: int) -> tuple[int, str, str, int]:
        """The name number, 字号, its pinyin and the industry word of the customer at ``index``;
        no two indexes share the number, nor so the pair of 字号 and word."""
        number = self.names(index)
        pair, word = divmod(number, len(_WORDS))
        first, second = divmod(pair, len(_ZIHAO) - 1)
        second += second >= first
        (c1, p1), (c2, p2) = _ZIHAO[first], _ZIHAO[second]
        return number, c1 + c2, p1 + p2, word

    def org_number(self, serial: int) -> int:
        """A distinct organisation-code body for each distinct ``serial``."""
        return (serial * _ORG_NUMBER_STEP + self.org_offset) % _ORG_NUMBER_SPACE

    def due(self, case: str, index: int, after: int) -> bool:
        """Whether ``case`` must be shown now: from ``after`` on, until it has been, so that
        even a small demo has an expired licence, a branch, an overseas customer."""
        return case not in self.shown and index >= after

    # ── the groups of a record ────────────────────────────────────────────────────────────
    def credit(self, record: dict, revenue: int, currency: str) -> None:
        grade = _GRADES[bisect(_GRADE_CUM, self.random() * _GRADE_CUM[-1])]
        share, terms, discounts = _GRADE_RULES[grade]
        terms_code = self.pick(terms)
        if self.random() < 0.15:
            limit = None
        elif grade == "C" and self.random() < 0.5:
            limit = Decimal(0)
        else:
            scaled = revenue * _CURRENCY_SCALE[currency] * share / 1000
            limit = Decimal(max(20_000, min(50_000_000, int(scaled) // 10_000 * 10_000)))
        days = _TERMS_DAYS[terms_code]
        record.update(
            credit_grade=grade,
            credit_limit=limit,
            credit_days=days,
            payment_terms=terms_code,
            discount_rate=None if self.random() < 0.3 else Decimal(self.pick(discounts)),
            control_credit_limit=limit is not None,
            control_credit_days=bool(days) and self.random() < 0.3,
        )

    def other(self, record: dict, founded_on: datetime.date, *, pool: bool) -> None:
        """Development and deactivation dates, remarks; a head office joins the pool."""
        earliest = max(founded_on, self.today - datetime.timedelta(days=15 * 365))
        developed = earliest + datetime.timedelta(
            days=self.between(0, max(0, (self.today - earliest).days - 7))
        )
        deactivated = None
        if self.random() < 0.03:
            deactivated = developed + datetime.timedelta(
                days=self.between(1, max(1, (self.today - developed).days))
            )
        record.update(
            developed_on=developed,
            deactivated_on=deactivated,
            remarks=self.pick(_REMARKS) if self.random() < 0.25 else "",
        )
        if pool and deactivated is None:
            self.head_offices.append(
                {**record, "cities": set(), "division": record["credit_code"][2:8]}
            )
            if len(self.head_offices) > self.HEAD_OFFICE_POOL:
                self.head_offices.pop(0)

    def tags(self, record: dict, employees: int) -> list[str]:
        tags = []
        if record["credit_grade"] in ("AAA", "AA") and employees >= 200:
            tags.append("重点客户")
        if (self.today - record["developed_on"]).days < 365:
            tags.append("新客户")
        if record["class_code"] == "0301":
            tags.append("战略合作")
        if (self.today - record["developed_on"]).days > 3650 and self.random() < 0.6:
            tags.append("长期合作")
        if record["credit_grade"] == "C" or (record["credit_grade"] == "B" and self.random() < 0.3):
            tags.append("关注回款")
        if record.get("parent_code"):
            tags.append("集团客户")
        return tags

    def user_fields(self, revenue: int, invoice_type: str) -> dict:
        values = {"invoice_type": invoice_type}
        if self.random() < 0.8:
            values["source"] = self.pick(_SOURCES)
        if self.random() < 0.6:
            values["purchase_budget"] = max(5, revenue // 10_000 * self.between(2, 10) // 100)
        return values

    def contacts(self, city: _City, domain: str | None, first: tuple | None = None) -> list:
        rows = []
        count = 1 + (self.random() > 0.4) + (self.random() > 0.8)
        for n in range(count):
            name, pinyin = first[:2] if first and n == 0 else self.person()
            title, department = (
                (first[2], "")
                if first and n == 0
                else self.pick(_TITLES_FIRST if n == 0 else _TITLES_MORE)
            )
            if domain and self.random() < 0.6:
                email = f"{pinyin}@{domain}"
            elif self.random() < 0.5:
                email = f"{self.between(10_000_000, 2_999_999_999)}@qq.com"
            else:
                email = f"{pinyin}{self.between(70, 99)}@163.com"
            office = self.phone(city) if self.random() < 0.6 else ""
            if office and self.random() < 0.3:
                office += f"-{self.between(801, 899)}"
            rows.append(
                {
                    "name": name,
                    "title": title,
                    "department": department,
                    "phone": office,
                    "mobile": self.mobile(),
                    "email": email,
                    "birthday": self.days_ago(24 * 365, 58 * 365) if self.random() < 0.7 else None,
                    "is_primary": n == 0,
                    "notes": self.pick(_CONTACT_NOTES),
                }
            )
        return rows

    def addresses(self, city: _City, contacts: list) -> list:
        rows = []
        for n, where in enumerate((city, self.city()) if self.random() < 0.3 else (city,)):
            contact = self.pick(contacts)
            rows.append(
                {
                    "recipient": contact["name"],
                    "phone": contact["mobile"],
                    "region_code": where.province.code,
                    "address": self.address(where, warehouse=n > 0 or self.random() < 0.4),
                    "postal_code": self.postal_code(where),
                    "is_default": n == 0,
                }
            )
        return rows

    def bank_accounts(self, city: _City, name: str) -> list:
        rows = []
        for n in range(2 if self.random() < 0.1 else 1):
            bank, length = self.pick(_BANKS)
            branch = self.pick(_BANK_BRANCHES)
            rows.append(
                {
                    "bank_name": f"{bank}{city.name}{branch}",
                    "account_name": name,
                    "account_number": self.digits(length),
                    "is_default": n == 0,
                }
            )
        return rows

    def documents(self, record: dict, city: _City, founded_on: datetime.date, index: int) -> list:
        """The business licence (some expired or expiring soon), sometimes a permit and a power
        of attorney with their own, shorter validity."""
        today = self.today
        r = self.random()
        if r < 0.05 or self.due("expired", index, 2):
            self.shown.add("expired")
            valid_to = self.days_ago(1, 180)
        elif r < 0.10 or self.due("expiring", index, 3):
            self.shown.add("expiring")
            valid_to = today + datetime.timedelta(days=self.between(1, 30))
        elif r < 0.14:
            valid_to = today + datetime.timedelta(days=self.between(31, 90))
        elif r < 0.35:
            valid_to = max(
                _add_years(founded_on, self.pick((20, 30))),
                today + datetime.timedelta(days=self.between(365, 7300)),
            )
        else:
            valid_to = None  # 长期
        city_office = city.province.address_prefix or f"{city.name}市"
        rows = [
            {
                "kind": "business_licence",
                "number": record["credit_code"],
                "issuer": f"{city_office}市场监督管理局",
                "valid_from": founded_on,
                "valid_to": valid_to,
                "warn_days": 30,
                "notes": "" if valid_to else "营业期限：长期",
            }
        ]
        permit = _PERMITS.get(record["industry"])
        if permit and self.random() < 0.2:
            title, prefix, years, issuer = permit
            start = max(founded_on, self.days_ago(20, years * 365 + 60))
            rows.append(
                {
                    "kind": "operating_permit",
                    "number": f"{prefix}{city.division}{self.digits(8)}",
                    "issuer": issuer.format(city=city_office, province=city.province.full),
                    "valid_from": start,
                    "valid_to": _add_years(start, years),
                    "warn_days": 60,
                    "notes": title,
                }
            )
        if self.random() < 0.1:
            start = max(founded_on, self.days_ago(0, 400))
            rows.append(
                {
                    "kind": "power_of_attorney",
                    "number": f"WT{start.year}{self.digits(4)}",
                    "issuer": record["name"],
                    "valid_from": start,
                    "valid_to": start + datetime.timedelta(days=364),
                    "warn_days": 15,
                    "notes": f"授权{record['contacts'][0]['name']}办理采购及对账事宜",
                }
            )
        return rows

    # ── whole records ─────────────────────────────────────────────────────────────────────
    def customer_class(self, industry: str, province: _Province, size: float) -> str:
        """A leaf class that fits the industry: traders are often retail customers, builders
        and utilities key accounts, everyone else mostly wholesale by big region."""
        r = self.random()
        if industry == "F":
            group = "02" if r < 0.55 else "01"
        elif industry in "EKDQG":
            group = "03" if r < 0.5 else "01"
        else:
            group = "01" if r < 0.75 else "03" if r < 0.9 else "02"
        if group == "01":
            return WHOLESALE_CLASS[province.big]
        if group == "02":
            return self.pick(("0201", "0202", "0202", "0203"))
        return "0302" if industry == "E" else "0301" if size > 0.8 else "0303"

    def domestic(self, code: str, index: int) -> dict:
        number, zihao, pinyin, w = self.name_parts(index)
        word, _english, industry = _WORDS[w]
        city = self.city()
        province = city.province
        size = self.random()
        class_code = self.customer_class(industry, province, size)
        shop = class_code == "0202" and word in _SHOP_WORDS and self.random() < 0.5
        if shop:
            form, employees = self.pick(SHOP_FORMS), self.between(2, 12)
            capital, revenue = None, employees * self.between(20, 80) * 10_000
        else:
            if size < 0.55:
                employees, capital = self.between(8, 49), self.pick((50, 100, 200, 300, 500))
            elif size < 0.9:
                employees, capital = self.between(50, 499), self.pick((500, 1000, 2000, 5000))
            else:
                employees, capital = self.between(500, 8000), self.pick((5000, 10000, 50000))
            form = self.pick(LARGE_FORMS if employees >= 500 else COMPANY_FORMS)
            revenue = employees * self.between(30, 200) * 10_000
            capital = Decimal(capital * 10_000)
        place = province.name if self.random() < 0.5 else city.name
        name = f"{place}{zihao}{word}{form}"
        domain = f"{pinyin}{_SLUGS[w]}.{'com.cn' if self.random() < 0.3 else 'com'}"
        founded = self.days_ago(400, (12 if shop else 30) * 365)
        legal = self.person()
        record = {
            "code": code,
            "name": name,
            "short_name": f"{zihao}{word}",
            "class_code": class_code,
            "region_code": province.code,
            "industry": industry,
            "country": "CN",
            "kind": "individual" if shop else "enterprise",
            "credit_code": credit_code(
                "92" if shop else "91", city.division, self.org_number(number)
            ),
            "legal_representative": legal[0],
            "registered_capital": capital,
            "registered_capital_currency": "CNY" if capital else None,
            "founded_on": founded,
            "employees": employees,
            "annual_revenue": Decimal(revenue),
            "currency": "CNY",
            "department": _department(class_code, province),
            "price_level": _PRICE_LEVELS[class_code[:2]],
        }
        return self.finish(
            record, city, index, domain=None if shop else domain, legal=legal, pool=not shop
        )

    def branch(self, code: str, index: int) -> dict | None:
        """A branch (分公司) of a recent head office, in a city where it has none yet."""
        head = self.pick(self.head_offices)
        taken = head["cities"]
        cities = [c for c in _CITIES if c.name not in taken and c.division != head["division"]]
        if not cities:
            return None
        city = self.pick(cities)
        taken.add(city.name)
        self.branches += 1
        # A wholesale branch belongs to the wholesale class of its own region.
        class_code = head["class_code"]
        if class_code[:2] == "01":
            class_code = WHOLESALE_CLASS[city.province.big]
        founded = max(head["founded_on"], self.days_ago(400, 15 * 365))
        employees = self.between(5, 200)
        revenue = employees * self.between(30, 150) * 10_000
        domain = head["email"].partition("@")[2] or None
        record = {
            "code": code,
            "name": f"{head['name']}{city.name}分公司",
            "short_name": f"{head['short_name']}{city.name}",
            "class_code": class_code,
            "region_code": city.province.code,
            "parent_code": head["code"],
            "industry": head["industry"],
            "country": "CN",
            "kind": "enterprise",
            "credit_code": credit_code(
                "91", city.division, self.org_number(NAME_CAPACITY + self.branches)
            ),
            "legal_representative": self.person()[0],
            "registered_capital": None,
            "registered_capital_currency": None,
            "founded_on": founded,
            "employees": employees,
            "annual_revenue": Decimal(revenue),
            "currency": "CNY",
            "department": _department(class_code, city.province),
            "price_level": head["price_level"],
        }
        record = self.finish(record, city, index, domain=domain, legal=None, pool=False)
        if self.random() < 0.6:
            record.update(
                control_via_parent=True,
                credit_limit=None,
                control_credit_limit=True,
                credit_grade=head["credit_grade"],
            )
        return record

    def finish(self, record: dict, city: _City, index: int, *, domain, legal, pool) -> dict:
        """The contact, credit and other groups and the children of a Chinese customer whose
        basic group (and department, price level) ``record`` holds."""
        shop = record["kind"] == "individual"
        founded, revenue = record["founded_on"], int(record["annual_revenue"])
        record.update(
            is_supplier=self.random() < 0.04,
            salesperson=self.pick(_SALES_BY_DEPARTMENT[record["department"]]),
            address=self.address(city),
            postal_code=self.postal_code(city),
            phone=self.phone(city),
            fax=self.phone(city) if self.random() < 0.4 else "",
            mobile=self.mobile() if shop or self.random() < 0.3 else "",
            email=f"{self.pick(_MAIL_BOXES)}@{domain}" if domain else "",
            website=f"https://www.{domain}" if domain and self.random() < 0.7 else "",
            shipping_method=self.pick(("01", "01", "01", "02", "03", "03", "04")),
            control_via_parent=False,
        )
        record["supplier_code"] = f"V{index + 1:06d}" if record["is_supplier"] else ""
        self.credit(record, revenue, "CNY")
        self.other(record, founded, pool=pool)
        first = (*legal, "负责人" if shop else "总经理") if legal and self.random() < 0.3 else None
        record["contacts"] = self.contacts(city, domain, first)
        record["addresses"] = self.addresses(city, record["contacts"])
        record["bank_accounts"] = self.bank_accounts(city, record["name"])
        record["documents"] = self.documents(record, city, founded, index)
        record["tags"] = self.tags(record, record["employees"])
        record["user_fields"] = self.user_fields(
            revenue, "增值税普通发票" if shop else "增值税专用发票"
        )
        return record

    def overseas(self, code: str, index: int) -> dict:
        rng = self.rng
        country = self.pick(_OVERSEAS_COUNTRIES)
        region, class_code, currency, cities, forms, banks, people, registry = _OVERSEAS[country]
        _number, _zihao, pinyin, w = self.name_parts(index)
        _word, english, industry = _WORDS[w]
        brand = pinyin.capitalize()
        form = self.pick(forms)
        # Two 字号 may sound alike (信/新/鑫 are all "xin"): tell their English names apart.
        for extra in ("", " International", " Holdings", " Global", f" {index + 1}"):
            name = f"{brand} {english}{extra} {form}"
            if name not in self.overseas_names:
                break
        self.overseas_names.add(name)
        city, postal, phone_prefix, street = self.pick(cities)
        domain = f"{pinyin}{_SLUGS[w]}.{_OVERSEAS_TLD[country]}"
        founded = self.days_ago(400, 40 * 365)
        employees = self.between(10, 2000)
        revenue = employees * self.between(50, 300) * 10_000
        record = {
            "code": code,
            "name": name,
            "short_name": f"{brand} {english}",
            "class_code": class_code,
            "region_code": region,
            "industry": industry,
            "country": country,
            "kind": "enterprise",
            "credit_code": self.tax_number(country, founded),
            "legal_representative": self.pick(people),
            "registered_capital": Decimal(
                int(self.pick((100, 500, 1000, 5000)) * 10_000 * _CURRENCY_SCALE[currency])
            ),
            "registered_capital_currency": currency,
            "founded_on": founded,
            "employees": employees,
            "annual_revenue": Decimal(int(revenue * _CURRENCY_SCALE[currency]) // 1000 * 1000),
            "currency": currency,
            "is_supplier": False,
            "supplier_code": "",
            "department": "04",
            "salesperson": self.pick(_SALES_BY_DEPARTMENT["04"]),
            "address": f"{self.between(1, 800)} {street}, {city} {postal}",
            "postal_code": postal,
            "phone": phone_prefix + self.digits(4),
            "fax": "",
            "mobile": "",
            "email": f"{self.pick(_MAIL_BOXES)}@{domain}",
            "website": f"https://www.{domain}",
            "shipping_method": self.pick(("05", "06")),
            "price_level": _PRICE_LEVELS["04"],
            "control_via_parent": False,
        }
        self.credit(record, revenue, currency)
        self.other(record, founded, pool=False)
        contacts = []
        for n, person in enumerate(rng.sample(people, 1 + (self.random() < 0.5))):
            contacts.append(
                {
                    "name": person,
                    "title": self.pick(_OVERSEAS_TITLES[1:]) if n else _OVERSEAS_TITLES[0],
                    "department": "",
                    "phone": phone_prefix + self.digits(4),
                    "mobile": "",
                    "email": f"{person.lower().replace(' ', '.')}@{domain}",
                    "birthday": None,
                    "is_primary": n == 0,
                    "notes": "",
                }
            )
        record.update(
            contacts=contacts,
            addresses=[
                {
                    "recipient": contacts[0]["name"],
                    "phone": contacts[0]["phone"],
                    "region_code": region,
                    "address": record["address"],
                    "postal_code": postal,
                    "is_default": True,
                }
            ],
            bank_accounts=[
                {
                    "bank_name": self.pick(banks),
                    "account_name": name,
                    "account_number": self.account_number(country),
                    "is_default": True,
                }
            ],
            documents=[
                {
                    "kind": "other",
                    "number": record["credit_code"],
                    "issuer": registry,
                    "valid_from": founded,
                    "valid_to": None,
                    "warn_days": 30,
                    "notes": "Certificate of incorporation",
                }
            ],
            tags=["出口业务"],
            user_fields=self.user_fields(revenue, "形式发票"),
        )
        return record

    def tax_number(self, country: str, founded: datetime.date) -> str:
        """A tax or company number that the country's own check accepts."""
        if country == "US":
            return f"{self.pick(_EIN_PREFIXES)}-{self.digits(7)}"
        if country == "DE":
            body = self.digits(8)
            return f"DE{body}{mod_11_10.calc_check_digit(body)}"
        if country == "JP":
            body = self.digits(12)
            return jp_cn.calc_check_digit(body) + body
        body = f"{founded.year}{self.digits(5)}"
        return body + sg_uen.calc_local_company_check_digit(body)

    def account_number(self, country: str) -> str:
        if country != "DE":
            return self.digits(10)
        bban = self.digits(8) + self.digits(10)
        check = 98 - int(bban + "131400") % 97  # ISO 13616: "DE00" moved to the end
        return f"DE{check:02d}{bban}"

    def customer(self, index: int, code: str) -> dict:
        record = self.any_customer(index, code)
        # What customer_create would derive, computed here so that bulk loaders write it as is.
        record["mnemonic"] = mnemonic_for(record["short_name"] or record["name"])
        return record

    def any_customer(self, index: int, code: str) -> dict:
        if self.head_offices and (self.random() < 0.08 or self.due("branch", index, 5)):
            record = self.branch(code, index)
            if record:
                self.shown.add("branch")
                return record
        if self.random() < 0.04 or self.due("overseas", index, 7):
            self.shown.add("overseas")
            return self.overseas(code, index)
        return self.domestic(code, index)


def generate_customers(
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    reference_date: datetime.date | None = None,
    first_number: int = 1,
) -> Iterator[dict]:
    """Stream ``count`` customers as ``customer_create`` data, codes C000001, C000002...

    Each record carries the mnemonic code that ``customer_create`` would derive from it, so a
    bulk loader (``kehu.demo.bulk``) that bypasses the service writes the same value.

    Deterministic for a seed and reference date (default today); every date lies on or before
    the reference date, licences expire around it. A branch's ``parent_code`` always names an
    earlier customer of the same stream, so creating them in order always works.
    """
    if not 0 <= count <= NAME_CAPACITY:
        raise ValueError(f"count must be between 0 and {NAME_CAPACITY}")
    factory = _CustomerFactory(seed, reference_date or datetime.date.today())
    for index in range(count):
        yield factory.customer(index, f"C{first_number + index:06d}")
