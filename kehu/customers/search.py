"""The keyword of the customer list (SPEC §3) as one condition on customers.

A customer matches when the keyword is part of one of its texts — code, name, short name,
mnemonic, phone, mobile, email — or of one of its contacts' (name, phone, mobile, email),
ignoring the case of Latin letters. The condition is served by the indexes of migration
customers/0004 (see docs/architecture.md, "Keyword search"):

- SQLite: the FTS5 trigram table ``customers_search``. A keyword of three characters or more is
  a phrase of its trigrams; a shorter one is every trigram that starts with it, looked up in
  the table's vocabulary (every character of a text starts a trigram, because each text is
  followed by two separators).
- PostgreSQL: ``ILIKE '%keyword%'`` on the indexed expression (pg_trgm) for three characters or
  more; ``search_grams @> ARRAY[keyword]`` (the texts' characters and pairs of characters) for
  one or two characters, which trigrams cannot serve. One expression per customer row, its
  contacts' texts included (migration 0007), a condition on the row itself.
- Elsewhere, and for a keyword holding the separator: a plain LIKE scan, with the same result.

A one- or two-character keyword is looked up together with the list's conditions on the class,
the region and the credit grade ("facets"): the grams documents hold a word for each of them
(migration 0010), so that one index answers "this character, in one of these classes, with this
grade" where each condition alone matches a large part of the customers.
"""

import contextlib
from importlib import import_module

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import Col, Expression
from django.db.models.lookups import Lookup
from django.db.models.sql.where import AND, WhereNode

from kehu.customers.models import Contact, Customer

SEPARATOR = "\x1f"
CUSTOMER_TEXTS = ("code", "name", "short_name", "mnemonic", "phone", "mobile", "email")
CONTACT_TEXTS = ("name", "phone", "mobile", "email")
# the shortest keyword that trigrams answer on their own
TRIGRAM = 3

# Must be the very expression of the indexes (migration 0007) for PostgreSQL to use them;
# ``search_contacts`` holds the customer's contacts' texts (kept by triggers).
_PG_SEP = "E'\\x1F'"
PG_TEXT_COLUMNS = (*CUSTOMER_TEXTS, "search_contacts")


# Facets (migration customers/0010): the customer's foreign keys whose ids are words of its
# grams document, with the words' prefixes.
FACET_PREFIXES = {"customer_class": "cls", "region": "reg", "credit_grade": "grd"}
# A condition naming more ids than this is left to its own index: a longer OR of words costs
# more than it saves.
MAX_FACET_IDS = 200


def keyword_condition(keyword: str, facets: dict[str, list[int]] | None = None) -> Q:
    """The customers matching ``keyword``, as a condition for ``QuerySet.filter``.

    ``facets`` (relation -> ids, relations of ``FACET_PREFIXES``) are conditions that the
    caller applies anyway — "the customer's class is one of these" — given here as well so
    that the index answering a one- or two-character keyword intersects them with it: alone,
    neither the keyword nor any of them is selective (docs/architecture.md)."""
    return keyword_filter(keyword, facets)[0]


def keyword_filter(
    keyword: str, facets: dict[str, list[int]] | None = None, *, ordering: str | None = None
) -> tuple[Q, frozenset[str]]:
    """``keyword_condition``, and the relations of ``facets`` whose conditions it holds
    exactly, so that the caller need not repeat them.

    PostgreSQL: a repeated ``credit_grade_id IN (…)`` makes the planner AND a bitmap of the
    grade's B-tree index (hundreds of thousands of rows at a million customers) with the GIN
    index's few thousand. The words are the very ids of the customer row (a generated
    column), so the condition on them is the condition on the ids.

    SQLite: a repeated condition reads two columns deep in every matching row, for the page
    and again for the count (thousands of rows). The words are kept by triggers and name the
    class's and the region's ancestors too, which stay those of the customer: only a leaf holds
    customers, and a node that holds customers or has children never changes its code (hence
    its parent; kehu/masterdata/services/trees.py). A subtree condition is held exactly when
    its ids are whole subtrees (``_tops``; those of a code prefix always are).

    ``ordering`` is the field the caller sorts by: for ``WALK_ORDERINGS`` the condition may
    let SQLite walk its index for a page of many matches (``SqliteMatches``)."""
    if not keyword:
        return Q(), frozenset()
    if SEPARATOR in keyword:
        return _scan(keyword), frozenset()
    short = len(keyword) < TRIGRAM
    if connection.vendor == "sqlite":
        groups, covered = _facet_groups(facets or {}) if short and keyword.isalnum() else ([], ())
        sql, params = _sqlite_matches(keyword, groups)
        walk = ordering if ordering in WALK_ORDERINGS else None
        return Q(SqliteMatches(sql, params, walk)), frozenset(covered)
    if connection.vendor == "postgresql":
        groups, covered = _facet_groups(facets or {}) if short else ([], ())
        return Q(PostgresKeyword(keyword, groups)), frozenset(covered)
    return _scan(keyword), frozenset()


def _facet_groups(facets: dict[str, list[int]]) -> tuple[list[list[str]], list[str]]:
    """The facet words to intersect with the keyword: one group of words (any of them) per
    condition, leaving out conditions with no ids (they match nothing, which the caller's own
    condition says) or too many; and the relations whose conditions the words hold exactly.

    PostgreSQL's words (a generated column) are the customer's own class, region and grade.
    SQLite's (kept by triggers) also name every ancestor of the class and the region, and each
    (class or ancestor, grade) pair: a subtree is then one word, its top's, and a subtree with
    a grade one word too — FTS5 intersects a few long word lists at a cost that grows with
    their lengths, so one word of the pair costs less than the two (docs/architecture.md)."""
    facets = {r: sorted(set(ids)) for r, ids in facets.items() if 0 < len(ids) <= MAX_FACET_IDS}
    if connection.vendor != "sqlite":
        return _groups(facets), list(facets)
    covered = list(facets)
    for relation in ("customer_class", "region"):
        if relation in facets:
            facets[relation], whole = _tops(relation, facets[relation])
            if not whole:
                covered.remove(relation)  # the tops' words hold more: the condition stays
    classes, grades = facets.get("customer_class", []), facets.get("credit_grade", [])
    if classes and grades and len(classes) * len(grades) <= MAX_FACET_IDS:
        del facets["customer_class"], facets["credit_grade"]
        pairs = [f"c{node}g{grade}" for node in classes for grade in grades]
        return [pairs, *_groups(facets)], covered
    return _groups(facets), covered


def _groups(facets: dict[str, list[int]]) -> list[list[str]]:
    return [[f"{FACET_PREFIXES[r]}{pk}" for pk in ids] for r, ids in facets.items()]


def _tops(relation: str, ids: list[int]) -> tuple[list[int], bool]:
    """Of the tree nodes ``ids``, those whose parent is not one of them; and whether every
    child of the nodes is one of them (whole subtrees: then the words of the tops name
    exactly the customers of ``ids``)."""
    model = Customer._meta.get_field(relation).related_model
    nodes = model._default_manager.filter(Q(pk__in=ids) | Q(parent__in=ids))
    wanted = set(ids)
    tops, whole = [], True
    for pk, parent in nodes.values_list("pk", "parent_id"):
        if pk in wanted and parent not in wanted:
            tops.append(pk)
        whole = whole and (pk in wanted or parent not in wanted)
    return sorted(tops), whole


def _sqlite_matches(keyword: str, groups: list[list[str]]) -> tuple[str, tuple]:
    """The subquery of the ids of the customers matching ``keyword`` (and the facet words
    ``groups``), and its parameters."""
    if len(keyword) >= TRIGRAM:
        return (
            "SELECT rowid FROM customers_search WHERE customers_search MATCH %s",
            (_phrase(keyword),),
        )
    if keyword.isalnum():
        # one token of the grams table (migrations customers/0008 and 0010): every letter or
        # digit of a text and every pair of adjacent ones is a word of the document, and so
        # are the facet words
        query = " AND ".join(
            [
                _phrase(keyword.lower()),
                *("(" + " OR ".join(_phrase(w) for w in group) + ")" for group in groups),
            ]
        )
        return "SELECT rowid FROM customers_grams WHERE customers_grams MATCH %s", (query,)
    # Punctuation (not a word character for the grams' tokenizer): the trigrams that start
    # with the keyword, from the trigram table's vocabulary.
    # The trigram tokenizer folds case, so its vocabulary is in lower case. The upper bound
    # is the keyword followed by the last code point: every term that starts with it.
    return (
        "SELECT rowid FROM customers_search WHERE customers_search MATCH ("
        " SELECT coalesce(group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR '),"
        " '\"\"') FROM customers_search_terms WHERE term >= %s AND term <= %s)",
        (keyword.lower(), keyword.lower() + chr(0x10FFFF)),
    )


def _phrase(keyword: str) -> str:
    """``keyword`` as an FTS5 phrase: quoted, its quotes doubled, nothing else special."""
    return '"' + keyword.replace('"', '""') + '"'


# A page sorted by one of these fields (indexed, never empty: the index is the order) may
# be read by walking its index on SQLite rather than by reading every match (SqliteMatches).
WALK_ORDERINGS = frozenset({"code"})
# ... when the keyword has at least this many matches per row up to the page's end: measured
# at a million customers, 2,000 matches for a first page of 51 ids is where both cost about
# the same (≈10 ms); the walk reads about (customers ÷ matches) index entries per row.
WALK_RATIO = 40


class SqliteMatches(Expression):
    """SQLite's keyword condition, ``id IN (SELECT rowid FROM <FTS table> WHERE … MATCH …)``.

    Reading the matches costs a look-up of every matching customer row by its id (≈3–4 µs
    each at a million customers: 30–40 ms for 10,000 matches), for the page and again for
    its count; two ways round it:

    - The count (``count_up_to``, which ``keyset.count_up_to`` calls when this is the
      queryset's only condition) is that of the FTS table's rows alone: the triggers keep
      exactly one document per customer (migration customers/0010), so the matching rowids
      are the matching customers.
    - A page sorted by ``walk`` (one of ``WALK_ORDERINGS``, whose index is the order) with
      many matches: the first rows in the order are then near the start of the index, so
      walking it and keeping the ids that are in the match list reads fewer rows —
      ``+id IN (…)``, the unary plus keeps the planner from reading by the ids. Chosen when
      the query being compiled has a limit, is sorted by ``walk`` first, and the FTS table
      has at least ``WALK_RATIO`` matches per row up to the page's end (a capped count of the
      FTS table alone, ≈1–5 ms), and no other condition than the page's position stands
      beside the keyword. Elsewhere — other orderings or conditions, exports, few matches —
      the ids are read as usual. The walk stops at the page's end; at worst (a page near the
      end of the list) it reads the rest of the index, never the table."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, sql: str, params: tuple, walk: str | None = None):
        super().__init__()
        self.sql, self.params, self.walk = sql, tuple(params), walk

    def __repr__(self):
        return f"{self.__class__.__name__}({self.sql!r}, {self.params!r}, {self.walk!r})"

    def get_group_by_cols(self):
        return []

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        column = f"{table}.{connection.ops.quote_name(Customer._meta.pk.column)}"
        plus = "+" if self._walks(compiler.query) else ""
        return f"{plus}{column} IN ({self.sql})", self.params

    def count_up_to(self, limit: int) -> int:
        """How many customers match, counting no further than ``limit``."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({self.sql} LIMIT {limit:d})", self.params)  # noqa: S608 - our own subquery
            return cursor.fetchone()[0]

    def _walks(self, query) -> bool:
        if self.walk is None or query.high_mark is None or not query.order_by:
            return False
        if query.model is not Customer or _order_field(query.order_by[0]) != self.walk:
            return False
        # Another condition (a user's scope, a status…) could discard most matches, and the
        # walk would read far into the index for the page's rows: only the page's position
        # (the sorted column and the id) may stand beside the keyword.
        position = {Customer._meta.get_field(self.walk).column, Customer._meta.pk.column}
        where = query.where
        if where.negated or where.connector != AND:
            return False
        for child in where.children:
            keyword = isinstance(getattr(child, "lhs", None), SqliteMatches)
            if not keyword and not _on_columns(child, position):
                return False
        enough = WALK_RATIO * query.high_mark
        return self.count_up_to(enough) >= enough


def _on_columns(node, columns: set[str]) -> bool:
    """Whether the condition ``node`` compares only ``columns`` of the customer with values."""
    if isinstance(node, WhereNode):
        return all(_on_columns(child, columns) for child in node.children)
    return (
        isinstance(node, Lookup)
        and isinstance(node.lhs, Col)
        and node.lhs.target.model is Customer
        and node.lhs.target.column in columns
        and not hasattr(node.rhs, "resolve_expression")
    )


def _order_field(order) -> str | None:
    """The field name of an ``order_by`` item ("code", "-code", ``F("code").asc()``)."""
    if isinstance(order, str):
        return order.removeprefix("-")
    expression = getattr(order, "expression", None)
    return getattr(expression, "name", None)


class PostgresKeyword(Expression):
    """The condition "the customer row's texts (its contacts' included) contain the keyword",
    on the row itself so that the planner can combine it with the other conditions' indexes:
    ``ILIKE '%keyword%'`` on the trigram-indexed expression for three characters or more,
    ``search_grams @> ARRAY[keyword]`` (every character and pair of characters, a generated
    column with a GIN index) for one or two, with the facet words: those of single-word
    groups in the same array, and ``search_grams && ARRAY[…]`` for each group of several, all
    answered by one scan of the GIN index. The columns are those of the customer table as it
    is named in the query being compiled (Django renames it in subqueries)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, keyword: str, groups: list[list[str]] = ()):
        super().__init__()
        self.keyword = keyword
        self.groups = [list(group) for group in groups]

    def __repr__(self):
        return f"{self.__class__.__name__}({self.keyword!r}, {self.groups!r})"

    def get_group_by_cols(self):
        return []

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        if len(self.keyword) >= TRIGRAM:
            texts = f" || {_PG_SEP} || ".join(f"{table}.{c}" for c in PG_TEXT_COLUMNS)
            return f"({texts}) ILIKE %s", ["%" + _escape_like(self.keyword) + "%"]
        required = [word for group in self.groups if len(group) == 1 for word in group]
        marks = "".join(", %s" for _word in required)
        sql = f"{table}.search_grams @> ARRAY[lower(%s){marks}]::text[]"
        params = [self.keyword, *required]
        for group in self.groups:
            if len(group) > 1:
                sql += f" AND {table}.search_grams && ARRAY[{', '.join(['%s'] * len(group))}]"
                sql += "::text[]"
                params += group
        return f"({sql})", params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _scan(keyword: str) -> Q:
    contacts = Q()
    for field in CONTACT_TEXTS:
        contacts |= Q(**{f"{field}__icontains": keyword})
    own = Q(pk__in=Contact.objects.filter(contacts).values("customer_id"))
    for field in CUSTOMER_TEXTS:
        own |= Q(**{f"{field}__icontains": keyword})
    return own


# -- one- and two-character keywords on SQLite -------------------------------------------------


def search_grams(document: str | None) -> str:
    """The words of a customer's grams document (SQLite, migration customers/0008): every
    letter or digit of each text, in lower case, and every pair of adjacent ones, once each,
    separated by spaces; nothing spans two texts (the separator) or punctuation. The SQL
    function ``kehu_search_grams`` of every SQLite connection (the triggers call it)."""
    if not document:
        return ""
    words: dict[str, None] = {}
    for text in document.lower().split(SEPARATOR):
        previous = ""
        for char in text:
            if char.isalnum():
                words[char] = None
                if previous:
                    words[previous + char] = None
                previous = char
            else:
                previous = ""
    return " ".join(words)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created``: the SQL functions that the search triggers of SQLite call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "kehu_search_grams", 1, search_grams, deterministic=True
        )


# -- bulk writes on SQLite ------------------------------------------------------------------------

TRIGGER_PREFIX = "customers_search_"
REINDEX_CHUNK = 500


@contextlib.contextmanager
def search_triggers_suspended():
    """For one bulk write of customers (and their contacts): the search triggers are off while
    it runs, then the customers it names are indexed set-based and the triggers put back.

    Yields a set: the caller adds the id of every customer whose texts or contacts the write
    changes. Per-row triggers cost more than the insert itself (an FTS5 delete and insert for
    every customer and every contact); one ``INSERT ... SELECT`` per chunk of ids does the same.

    Safe because SQLite's DDL is transactional and writers are serialised: the triggers are
    dropped and created again inside a savepoint of this connection's transaction, which
    holds the database's write lock from the first DROP to the commit. No other connection
    can write meanwhile, and none ever sees the table without its triggers: it sees either
    the state before (triggers, no new rows) or after (triggers, rows indexed). If the write
    fails, the savepoint is rolled back, triggers and all. Keep the block to the statements
    whose customers are all in the set: any other write in it would not be indexed.
    Elsewhere (PostgreSQL's indexes need no triggers) it only yields.
    """
    if connection.vendor != "sqlite":
        yield set()
        return
    if not connection.in_atomic_block:
        raise RuntimeError("search_triggers_suspended() needs a transaction")
    ids: set[int] = set()
    with transaction.atomic():  # a savepoint: a failure undoes the DROPs as well
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name IN ('customers_customer', 'customers_contact')"
                " AND name LIKE %s",
                [TRIGGER_PREFIX + "%"],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        yield ids
        search_reindex(ids)
        with connection.cursor() as cursor:
            for _name, sql in triggers:
                cursor.execute(sql)


def search_reindex(ids) -> None:
    """Index (again) the customers ``ids`` on SQLite, set-based: what the triggers do one row
    at a time, with the very document expressions of migrations customers/0005 and 0010."""
    if connection.vendor != "sqlite" or not ids:
        return
    document = import_module("kehu.customers.migrations.0005_keyword_search_indexes")._DOCUMENT
    grams = import_module("kehu.customers.migrations.0010_search_facets").GRAMS_DOCUMENT
    ordered = sorted(ids)
    tables = (("customers_search", document), ("customers_grams", grams))
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), REINDEX_CHUNK):
            chunk = ordered[start : start + REINDEX_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            for table, expression in tables:
                cursor.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", chunk)  # noqa: S608
                cursor.execute(
                    f"INSERT INTO {table} (rowid, document) SELECT c.id, {expression}"  # noqa: S608 - the migrations' constant expressions
                    f" FROM customers_customer AS c WHERE c.id IN ({marks})",
                    chunk,
                )
