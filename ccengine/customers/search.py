"""The customer list's question as SQL: any phone form, e-mail, folded name, company.

A name or company matches when every folded word appears in ``search_text``; a
number matches exactly when it is a whole valid number in any form, or as a run of
digits inside a stored E.164 number otherwise; an e-mail by its beginning.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select

from ccengine.customers.model import CustomerSearch
from ccengine.customers.rules import SearchTerms, phone_digits, search_terms
from ccengine.customers.search_index import word_in_name
from ccengine.customers.storage_models import CustomerEmail, CustomerPhone
from ccengine.tickets.models import Customer

MAX_WORDS = 10  # each word is an index probe; a paragraph pasted in matches nothing useful


def matching(question: CustomerSearch, region: str) -> ColumnElement[bool]:
    """The condition of the list's filters on ``Customer``."""
    conditions: list[ColumnElement[bool]] = []
    if question.text:
        conditions.append(_text_condition(search_terms(question.text, region)))
    if question.updated_since is not None:
        conditions.append(Customer.updated_at >= question.updated_since)
    return and_(*conditions) if conditions else Customer.id.is_not(None)


def page_query(question: CustomerSearch, region: str) -> Select[Customer]:
    """One page, in a stable order: the oldest change first when syncing (so a client
    resumes from the last ``updated_at`` it saw), the newest first otherwise."""
    order: tuple[Any, ...] = ((Customer.updated_at.asc(), Customer.id.asc())
                              if question.updated_since is not None
                              else (Customer.updated_at.desc(), Customer.id.desc()))
    return (select(Customer).where(matching(question, region)).order_by(*order)
            .limit(question.per_page).offset((question.page - 1) * question.per_page))


def count_query(question: CustomerSearch, region: str) -> Select[int]:
    return select(func.count()).select_from(Customer).where(matching(question, region))


def _text_condition(terms: SearchTerms) -> ColumnElement[bool]:
    found: list[ColumnElement[bool]] = []
    if terms.words and len(terms.words) <= MAX_WORDS:
        found.append(and_(*(word_in_name(word) for word in terms.words)))
    if terms.phone is not None:
        found.append(Customer.id.in_(
            select(CustomerPhone.customer_id).where(CustomerPhone.e164 == terms.phone)))
    elif terms.digits is not None:
        found.append(Customer.id.in_(select(CustomerPhone.customer_id).where(
            CustomerPhone.e164.contains(phone_digits(terms.digits), autoescape=True))))
    if terms.email is not None:
        found.append(Customer.id.in_(select(CustomerEmail.customer_id).where(
            CustomerEmail.address.startswith(terms.email, autoescape=True))))
    return or_(*found) if found else false()
