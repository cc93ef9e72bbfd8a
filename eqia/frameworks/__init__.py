"""The Equality Framework self-assessment's frameworks: the criteria a council (or an
NHS body) rates itself against, held as configuration (eqia/data/frameworks/*.yaml)
and checked when loaded (`definition`)."""
