"""Domain rules: what may happen to accounts, groups, spaces and posts, independent of transport."""
