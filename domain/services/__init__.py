"""Use cases as plain async functions: primitives + a unit of work + a clock in, domain results out.

Services never commit; the caller (one update, one CLI command) does.
"""
