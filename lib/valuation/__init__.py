"""Valuation: the cost-benefit formulas, Table 1, the one-at-a-time sensitivity and the Monte Carlo.

May import lib.model and below; never lib.planning (its sibling) or a higher layer.
"""
