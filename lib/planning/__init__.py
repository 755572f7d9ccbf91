"""Planning: which districts to pilot, and the contact centre's roster.

May import lib.model and below; never lib.valuation (its sibling) or a higher layer.
"""
