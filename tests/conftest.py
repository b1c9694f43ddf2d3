import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def editor(db):
    """A staff user allowed to edit everything in the admin."""
    return get_user_model().objects.create_superuser(
        "editor", "editor@example.com", "pw-editor-1"
    )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
