"""Auto-fulfilment: the bot completes service requests itself.

See ``docs/fulfilment.md``. The fulfiller interface is in :mod:`.base`, the generic dialogue in
:mod:`.driver`, account directories in :mod:`.directory` and :mod:`.http_directory`.
"""
