"""Spam and ads: the team-labelled mention-quality set, its guidelines, and the spam head v2."""
