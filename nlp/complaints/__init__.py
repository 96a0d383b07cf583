"""Complaint topics and loyalty signals: the explainable keyword matcher and the topics file it reads."""

from nlp.complaints.matcher import Evidence, TopicMatcher

__all__ = ["Evidence", "TopicMatcher"]
