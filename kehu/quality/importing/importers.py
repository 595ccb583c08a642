"""One importer per sheet: each row goes through the archive's own services.

The services check every field exactly as the forms and the API do; an importer only decides
what to call (create, update with the changed fields, or nothing when a row matches what is
stored), and turns the services' refusals into row errors. Each service call is atomic (a
savepoint inside the import's transaction), so a refused row leaves nothing behind.
"""

import contextlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import FieldPermissionError, ServiceError
from kehu.customers import fields
from kehu.customers.mnemonic import mnemonic_for
from kehu.customers.models import Contact, Customer, DeliveryAddress
from kehu.customers.selectors import customers_visible_to
from kehu.customers.services import (
    customer_child_create,
    customer_child_update,
    customer_create,
    customer_update,
)
from kehu.customers.services.user_fields import user_field_values_clean
from kehu.masterdata.models import CustomerClass, Region
from kehu.masterdata.services import tree_node_create, tree_node_update
from kehu.quality.importing import cells

TAG_SEPARATOR = ";"


def service_errors(exc: Exception) -> list[tuple[str, str, str]]:
    """A service's refusal as ``(input name, code, message)`` triples, messages translated."""
    found = []
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                for error in errors:
                    for message in error:
                        found.append((key, error.code or "invalid", str(message)))
        else:
            for error in exc.error_list:
                for message in error:
                    found.append(("", error.code or "invalid", str(message)))
    elif isinstance(exc, FieldPermissionError):
        for key, messages in (exc.errors or {}).items():
            for message in messages:
                found.append((key, exc.code, str(message)))
    elif isinstance(exc, ServiceError):
        found.append((exc.field or "", exc.code, str(exc)))
    return found


def _display(value) -> str | None:
    """A value as the report shows it (JSON-safe)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set):
        return "; ".join(sorted(str(v) for v in value))
    return str(value)


class SheetImporter:
    """Imports the rows of one sheet; ``run`` collects errors, changes and rejected keys."""

    def __init__(self, run, spec, sheet_name: str, header_map):
        self.run = run
        self.spec = spec
        self.sheet_name = sheet_name
        self.header_map = header_map
        self.actor = run.actor

    def column(self, name: str) -> str:
        head = name.split(".", 1)[0] if not name.startswith("user_fields.") else name
        return self.header_map.header_of(name) or self.header_map.header_of(head)

    def refuse(self, line: int, key: str, exc: Exception) -> None:
        for name, code, message in service_errors(exc) or [("", "invalid", str(exc))]:
            self.run.error(self, line, self.column(name), code, message, key)
        self.run.reject(self.spec.key, key, line)

    def row(self, line: int, values: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self) -> None:
        """Called after the last row (rows put aside until then are imported here)."""


class TreeImporter(SheetImporter):
    """Classes and regions: upsert by code, parents before children."""

    model = CustomerClass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending: list[tuple[int, dict]] = []
        self.seen: dict[str, int] = {}

    def row(self, line, values):
        # A tree is small: its rows are sorted by code length at the end, so that a parent
        # written below its child in the file is still created first.
        self.pending.append((line, values))

    def finish(self):
        self.pending.sort(key=lambda item: len(cells.text(item[1].get("code"))))
        existing = {node.code: node for node in self.model.objects.all()}
        for line, values in self.pending:
            code = cells.text(values.get("code"))
            name = cells.text(values.get("name")) if "name" in values else None
            if self.run.repeated(self, line, code, self.seen):
                continue
            rejected_parent = self.run.rejected_prefix(self.spec.key, code)
            if rejected_parent:
                self.run.depends_on(self, line, "code", code, *rejected_parent)
                continue
            node = existing.get(code)
            try:
                if node is None:
                    node = tree_node_create(
                        self.model, actor=self.actor, data={"code": code, "name": name or ""}
                    )
                    existing[code] = node
                    self.run.change(self, line, code, "create", {})
                elif name is not None and name != node.name:
                    old = node.name
                    node = tree_node_update(
                        self.model, actor=self.actor, node=node, data={"name": name}
                    )
                    existing[code] = node
                    self.run.change(self, line, code, "update", {"name": [old, name]})
                else:
                    self.run.change(self, line, code, "unchanged", {})
            except (ValidationError, ServiceError) as exc:
                self.refuse(line, code, exc)
        self.pending = []


class RegionImporter(TreeImporter):
    model = Region


class CustomerServiceImporter(SheetImporter):
    """Customers one by one through ``customer_create``/``customer_update``: upsert by code;
    an existing customer gets only its changed fields. (``customers.CustomerImporter`` does
    the same in batches and falls back on this for the rows batches do not cover.)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: dict[str, int] = {}
        self.deferred: list[tuple[int, dict]] = []
        self.visible = customers_visible_to(self.actor) if self.actor else Customer.objects.all()

    def row(self, line, values):
        code = cells.text(values.get("code"))
        if code and self.run.repeated(self, line, code, self.seen):
            return
        if not self._check_dependencies(line, code, values):
            return
        parent = cells.text(values.get("parent_code"))
        if (
            parent
            and parent != code
            and parent not in self.run.written["customers"]
            and not self.visible.filter(code=parent).exists()
        ):
            # The head office may be further down the file: import this row after it.
            self.deferred.append((line, values))
            return
        self._write(line, code, values)

    def finish(self):
        while self.deferred:
            rows, self.deferred = self.deferred, []
            progress = False
            for line, values in rows:
                parent = cells.text(values.get("parent_code"))
                code = cells.text(values.get("code"))
                if not self._check_dependencies(line, code, values):
                    progress = True
                    continue
                if parent in self.run.written["customers"] or not any(
                    cells.text(v.get("code")) == parent for _l, v in rows
                ):
                    self._write(line, code, values)
                    progress = True
                else:
                    self.deferred.append((line, values))
            if not progress:  # a loop of head offices: let the service refuse them
                for line, values in self.deferred:
                    self._write(line, cells.text(values.get("code")), values)
                self.deferred = []

    def _check_dependencies(self, line, code, values) -> bool:
        class_code = cells.text(values.get("class_code"))
        rejected = self.run.rejected_line("classes", class_code)
        if rejected:
            self.run.depends_on(self, line, "class_code", code, "classes", class_code, rejected)
            return False
        parent = cells.text(values.get("parent_code"))
        rejected = self.run.rejected_line("customers", parent)
        if rejected and parent != code:
            self.run.depends_on(self, line, "parent_code", code, "customers", parent, rejected)
            return False
        return True

    def _data(self, values: dict, *, creating: bool) -> dict:
        data = {}
        for key, value in values.items():
            if key == "tags":
                text = cells.text(value)
                data["tags"] = [t.strip() for t in text.split(TAG_SEPARATOR) if t.strip()]
            elif key == "user_fields":
                data["user_fields"] = {
                    k: v for k, v in value.items() if not creating or not cells.is_empty(v)
                }
            elif not creating or not cells.is_empty(value):
                data[key] = value
        return data

    def _write(self, line: int, code: str, values: dict) -> None:
        customer = None
        if code:
            customer = self.visible.select_related(*self._related()).filter(code=code).first()
        try:
            if customer is None:
                customer = customer_create(actor=self.actor, data=self._data(values, creating=True))
                self.run.change(self, line, code, "create", {})
            else:
                changed = self._changes(customer, values)
                if not changed:
                    self.run.change(self, line, code, "unchanged", {})
                else:
                    data = self._data({k: values[k] for k in changed}, creating=False)
                    if "user_fields" in changed:
                        data["user_fields"] = {
                            k: values["user_fields"][k] for k in changed["user_fields"]
                        }
                        changed.update(
                            {f"user_fields.{k}": v for k, v in changed.pop("user_fields").items()}
                        )
                    customer_update(actor=self.actor, customer=customer, data=data)
                    self.run.change(self, line, code, "update", changed)
        except (ValidationError, ServiceError) as exc:
            self.refuse(line, code, exc)
            return
        self.run.written["customers"].add(code)

    @staticmethod
    def _related() -> list[str]:
        return [model_field for model_field, _m in fields.REFERENCE_FIELDS.values()]

    def _changes(self, customer: Customer, values: dict) -> dict:
        """Fields whose value in the file differs from the stored one: name -> [old, new]."""
        changed = {}
        for key, value in values.items():
            if key == "user_fields":
                fields_changed = self._user_field_changes(customer, value)
                if fields_changed:
                    changed["user_fields"] = fields_changed
                continue
            old, same = self._compare(customer, key, value)
            if not same:
                changed[key] = [_display(old), _display(value)]
        return changed

    def _compare(self, customer: Customer, key: str, value):
        if key in fields.REFERENCE_FIELDS:
            obj = getattr(customer, fields.REFERENCE_FIELDS[key][0])
            text = cells.text(value)
            if obj is None:
                return None, text == ""
            names = {obj.code, getattr(obj, "name", None), getattr(obj, "text", None)}
            return obj.code, text in names
        if key == "tags":
            old = set(customer.tags.values_list("name", flat=True))
            new = {t.strip() for t in cells.text(value).split(TAG_SEPARATOR) if t.strip()}
            return sorted(old), old == new
        old = getattr(customer, key)
        if key == "mnemonic" and cells.is_empty(value):
            return old, old == mnemonic_for(customer.short_name or customer.name)
        field = Customer._meta.get_field(key)
        new = value.strip() if isinstance(value, str) else value
        if key == "credit_code" and isinstance(new, str):
            new = new.replace(" ", "").upper()
        if new in (None, ""):
            return old, old in (None, "")
        try:
            new = field.to_python(new)
        except ValidationError:
            return old, False
        return old, new == old

    def _user_field_changes(self, customer: Customer, values: dict) -> dict:
        current = customer.user_fields or {}
        changed = {}
        for key, value in values.items():
            if cells.is_empty(value):
                if current.get(key) not in (None, ""):
                    changed[key] = [_display(current.get(key)), None]
                continue
            try:
                new = user_field_values_clean({}, {key: value}).get(key)
            except ValidationError:
                new = object()  # refused: let the service say why
            if new != current.get(key):
                changed[key] = [_display(current.get(key)), _display(value)]
        return changed


class ChildImporter(SheetImporter):
    """Contacts and delivery addresses of customers named by code: a row matching an existing
    child of the customer (by ``match`` field) updates it, else a child is added."""

    kind = "contacts"
    model = Contact
    match = "name"
    flag = "is_primary"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible = customers_visible_to(self.actor) if self.actor else Customer.objects.all()
        self.customers: dict[str, Customer | None] = {}
        self.flagged: dict[str, int] = {}

    def _customer(self, code: str) -> Customer | None:
        if code not in self.customers:
            self.customers[code] = self.visible.filter(code=code).first()
        return self.customers[code]

    def row(self, line, values):
        code = cells.text(values.pop("customer_code", None))
        rejected = self.run.rejected_line("customers", code)
        if rejected:
            self.run.depends_on(self, line, "customer_code", code, "customers", code, rejected)
            return
        customer = self._customer(code) if code else None
        if customer is None:
            message = (
                _("Customer “%(code)s” does not exist.") % {"code": code}
                if code
                else _("This field is required.")
            )
            self.run.error(
                self,
                line,
                self.column("customer_code"),
                "does_not_exist" if code else "required",
                message,
                code,
            )
            self.run.reject(self.spec.key, code, line)
            return
        flag = values.get(self.flag)
        if cells.boolean(flag) is True:
            if code in self.flagged:
                self.run.error(
                    self,
                    line,
                    self.column(self.flag),
                    "unique",
                    _("Another row of this customer already carries this flag (line %(line)d).")
                    % {"line": self.flagged[code]},
                    code,
                )
                return
            self.flagged[code] = line
        data = {
            key: (cells.boolean(value) if key == self.flag else value)
            for key, value in values.items()
        }
        if self.flag in data and data[self.flag] is None:
            data[self.flag] = False
        match = cells.text(data.get(self.match))
        existing = self._existing(customer, match) if match else None
        try:
            if existing is None:
                self._create(line, code, customer, data)
                return
            changed = {}
            for key, value in data.items():
                old = getattr(existing, "region" if key == "region_code" else key)
                old = getattr(old, "code", old)
                new = value.strip() if isinstance(value, str) else value
                field = self.model._meta.get_field("region" if key == "region_code" else key)
                if key != "region_code" and new not in (None, ""):
                    with contextlib.suppress(ValidationError):
                        new = field.to_python(new)
                if (new in (None, "") and old in (None, "")) or new == old:
                    continue
                changed[key] = [_display(old), _display(value)]
            if changed:
                self._update(line, code, existing, {k: data[k] for k in changed}, changed)
            else:
                self.run.change(self, line, code, "unchanged", {})
        except (ValidationError, ServiceError) as exc:
            self.refuse(line, code, exc)

    def _existing(self, customer: Customer, match: str):
        """The customer's child that a row naming ``match`` updates, if any."""
        return self.model.objects.filter(customer=customer, **{self.match: match}).first()

    def _create(self, line: int, code: str, customer: Customer, data: dict) -> None:
        customer_child_create(self.kind, actor=self.actor, customer=customer, data=data)
        self.run.change(self, line, code, "create", {})

    def _update(self, line: int, code: str, existing, data: dict, changed: dict) -> None:
        customer_child_update(self.kind, actor=self.actor, row=existing, data=data)
        self.run.change(self, line, code, "update", changed)


class AddressImporter(ChildImporter):
    kind = "addresses"
    model = DeliveryAddress
    match = "address"
    flag = "is_default"


__all__ = ["SheetImporter", "service_errors"]
