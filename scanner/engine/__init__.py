"""Runs the analysis: each file -> AssetAnalysis in bounded worker processes, through the cache."""
