"""Translation helpers: the words core produces (it has no Qt) turned into the user's language."""
