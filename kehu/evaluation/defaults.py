"""The default scorecard of SPEC §6, as data: seeded by migration ``evaluation.0002`` and by
``scorecard_default_seed`` (idempotent), and the shape ``scorecard_version_create`` accepts.

Rules are ``[raw, score]`` points (see ``scoring.py``); a manual rating of 1–5 scores
0, 25, 50, 75, 100.
"""

MANUAL_RULE = [[1, 0], [5, 100]]

DEFAULT_CODE = "default"
DEFAULT_NAME = "默认评分卡"


def _computed(key, name, weight, rule):
    return {
        "key": key,
        "name": name,
        "source": "computed",
        "computed_key": key,
        "weight": weight,
        "rule": rule,
    }


def _manual(key, name, weight):
    return {"key": key, "name": name, "source": "manual", "weight": weight, "rule": MANUAL_RULE}


DEFAULT_SCORECARD = {
    "insufficient_data": "renormalise",
    "note": "SPEC §6",
    "dimensions": [
        {
            "key": "activity",
            "weight": 25,
            "indicators": [
                _computed(
                    "recency_days",
                    "最近交易 (距上次开票天数)",
                    30,
                    [[0, 100], [30, 90], [90, 60], [180, 30], [365, 0]],
                ),
                _computed(
                    "invoices_12m",
                    "交易频率 (近12个月发票数)",
                    30,
                    [[0, 0], [1, 20], [4, 50], [12, 80], [24, 100]],
                ),
                _computed("sales_growth", "销售增长 (%)", 20, [[-50, 0], [0, 50], [50, 100]]),
                _manual("cooperation", "合作态度", 20),
            ],
        },
        {
            "key": "capability",
            "weight": 25,
            "indicators": [
                _computed(
                    "sales_percentile", "采购额 (近12个月, 百分位)", 40, [[0, 0], [100, 100]]
                ),
                _computed(
                    "capital",
                    "注册资本 / 年营业额",
                    20,
                    [[0, 0], [1000000, 40], [10000000, 70], [100000000, 100]],
                ),
                _computed(
                    "years_in_business", "经营年限", 20, [[0, 0], [3, 40], [10, 80], [20, 100]]
                ),
                _manual("market_position", "市场地位", 20),
            ],
        },
        {
            "key": "reputation",
            "weight": 30,
            "indicators": [
                _computed("paid_on_time", "按期付款比例 (%)", 30, [[0, 0], [80, 60], [100, 100]]),
                _computed(
                    "days_overdue",
                    "平均逾期天数 (按金额加权)",
                    25,
                    [[0, 100], [15, 70], [30, 50], [90, 0]],
                ),
                _computed("overdue_share", "逾期余额占比 (%)", 20, [[0, 100], [100, 0]]),
                _computed(
                    "credit_use",
                    "信用额度使用率 (%)",
                    10,
                    [[0, 100], [50, 100], [80, 70], [100, 30], [150, 0]],
                ),
                _computed(
                    "doubtful_share",
                    "呆账风险 (逾期180天以上占比 %)",
                    15,
                    [[0, 100], [10, 50], [50, 0]],
                ),
            ],
        },
        {
            "key": "relations",
            "weight": 20,
            "indicators": [
                _manual("industry_influence", "行业影响力", 25),
                _manual("relationship", "与本公司关系", 25),
                _manual("public_reputation", "社会声誉", 25),
                _manual("referrals", "推荐介绍", 25),
            ],
        },
    ],
    "grades": [
        {
            "grade": "A",
            "min_total": 85,
            "strategy": {
                "limit_coefficient": "1.5",
                "credit_days": 60,
                "discount_rate": 5,
                "visit_every_days": 7,
            },
        },
        {
            "grade": "B",
            "min_total": 70,
            "strategy": {
                "limit_coefficient": "1.0",
                "credit_days": 45,
                "discount_rate": 3,
                "visit_every_days": 14,
            },
        },
        {
            "grade": "C",
            "min_total": 60,
            "strategy": {
                "limit_coefficient": "0.8",
                "credit_days": 30,
                "discount_rate": 0,
                "visit_every_days": 30,
            },
        },
        {
            "grade": "D",
            "min_total": 0,
            "strategy": {
                "limit_coefficient": "0",
                "credit_days": 0,
                "discount_rate": 0,
                "visit_every_days": 90,
            },
        },
    ],
}


def scorecard_default_seed(models: dict) -> bool:
    """Write the default scorecard's first version unless a default scorecard exists.

    ``models`` maps model names to classes (the migration's historical models, or the real
    ones), so that the migration and ``kehu init`` share this code. Returns whether it wrote.
    """
    Scorecard = models["Scorecard"]
    if Scorecard.objects.filter(is_default=True).exists():
        return False
    card = Scorecard.objects.create(code=DEFAULT_CODE, name=DEFAULT_NAME, is_default=True)
    version = models["ScorecardVersion"].objects.create(
        scorecard=card,
        number=1,
        insufficient_data=DEFAULT_SCORECARD["insufficient_data"],
        note=DEFAULT_SCORECARD["note"],
    )
    version_write(models, version, DEFAULT_SCORECARD)
    return True


def version_write(models: dict, version, data: dict) -> None:
    """Write the dimensions, indicators, grade bands and strategies of a new version."""
    for d_pos, dim in enumerate(data["dimensions"]):
        dimension = models["Dimension"].objects.create(
            version=version, key=dim["key"], weight=dim["weight"], position=d_pos
        )
        models["Indicator"].objects.bulk_create(
            models["Indicator"](
                version=version,
                dimension=dimension,
                key=ind["key"],
                name=ind["name"],
                source=ind["source"],
                computed_key=ind.get("computed_key") or "",
                weight=ind["weight"],
                rule=ind["rule"],
                position=i_pos,
            )
            for i_pos, ind in enumerate(dim["indicators"])
        )
    for band_data in data["grades"]:
        band = models["GradeBand"].objects.create(
            version=version, grade=band_data["grade"], min_total=band_data["min_total"]
        )
        strategy = band_data["strategy"]
        models["ServiceStrategy"].objects.create(
            band=band,
            credit_grade_id=strategy.get("credit_grade_id"),
            limit_coefficient=strategy["limit_coefficient"],
            credit_days=strategy["credit_days"],
            discount_rate=strategy["discount_rate"],
            visit_every_days=strategy["visit_every_days"],
        )
