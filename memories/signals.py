from django.dispatch import receiver

from accounts.services import user_erased

from .events import close_user_sockets


@receiver(user_erased, dispatch_uid="memories_close_erased_user_sockets")
def on_user_erased(sender: object, user_id: int, **kwargs: object) -> None:
    close_user_sockets(user_id)
