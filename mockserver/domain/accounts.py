"""The account a request names by ``account_id``, ``account_number`` or both."""

from __future__ import annotations

from mockserver.domain.errors import InvalidParameter, MissingParameter
from mockserver.domain.records import Account
from mockserver.store import Store


def named_account(store: Store, account_id: str | None, account_number: str | None) -> Account:
    """The account the id (or else the number) names; both given must name the same one."""
    if account_id is None and account_number is None:
        raise MissingParameter("account_id", "'account_id' or 'account_number' is required")
    account = (
        store.account(account_id)
        if account_id is not None
        else store.account_by_number(account_number)
    )
    if account is None:
        parameter = "account_id" if account_id is not None else "account_number"
        value = account_id if account_id is not None else account_number
        raise InvalidParameter(parameter, f"Account {value} could not be found")
    if account_number is not None and account.account_number != account_number:
        raise InvalidParameter("account_number", "'account_number' does not belong to 'account_id'")
    return account
