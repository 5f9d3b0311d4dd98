"""Billing: proformas, VAT invoices, credit notes, payments and the partner's balance.

An area package like cms_pages/: its models, operations, documents and views live here, so a
newcomer finds all of it in one folder. So far: document numbers (`numbering`), subscribers' billing
details (`profiles`, `account`) and the partner's billing settings (`settings`, `panel`).
"""
