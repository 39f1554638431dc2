"""Evaluation harness: gold questions -> retrieval and answer metrics, overall, by type and per item."""
