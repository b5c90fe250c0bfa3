"""A scheme pack (``seed_demo --scheme …``) loaded into the test database in place of the Weihai
demo, inside a transaction rolled back at the end: the demo is there again for the next test.

The pack's services run ``transaction.atomic(durable=True)``; inside the outer block they nest as
they do inside a test case (the block is marked as Django's TestCase marks its own)."""

from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction


@contextmanager
def pack_loaded(name: str):
    """The database emptied (TRUNCATE, undone with the rest) and pack ``name`` loaded into it."""
    block = transaction.atomic()
    block._from_testcase = True
    block.__enter__()
    try:
        call_command("flush", interactive=False, verbosity=0)
        ContentType.objects.clear_cache()
        call_command("seed_demo", scheme=name, force=True, verbosity=0)
        yield
    finally:
        transaction.set_rollback(True)
        block.__exit__(None, None, None)
        # The flush made content types anew under other ids, and the process caches them (the audit
        # log's foreign key): after the rollback the demo's own are back, so forget the others.
        ContentType.objects.clear_cache()


@contextmanager
def pack_for_module(name: str, django_db_blocker):
    with django_db_blocker.unblock(), pack_loaded(name):
        yield
