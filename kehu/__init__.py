"""Kehu (客户): customer management for ERP sales."""

__version__ = "0.1.0"
