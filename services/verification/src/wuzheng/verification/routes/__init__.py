"""The issuer route registry ("谁制发、谁核验"): where each issuer answers, its keys, its health."""
