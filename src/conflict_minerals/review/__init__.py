"""Review rules: is a supplier's CMRT complete, reasonable and consistent?"""
