"""Who may see and do what: accounts and sign-in (``users``), period locks (``locks``)."""
