"""Obviously fictional names for people and companies, drawn without repeats."""

from __future__ import annotations

import numpy as np

__all__ = ["account_names", "csm_names", "INDUSTRIES", "REGIONS", "LOCATIONS", "GENDERS"]

_FIRST = (
    "Avery Bellamy Caspian Dorrit Ellery Fenwick Gwendolyn Hollis Isolde Jasper Kestrel Linnea Marlo Nerissa "
    "Oberon Perpetua Quincy Rosalind Saffron Tobias Ulla Verity Wendell Xanthe Yardley Zinnia Ambrose Briony "
    "Clement Delphine Evander Fern Gideon Hester Ignatius Juniper Lysander Maude Nico Odessa Percival Romilly "
    "Silas Tamsin Upton Vesper Wilhelmina Ximena Yorick Zephyr Anneliese Barnaby Cordelia Dashiell Eulalia "
    "Florian Griselda Horatio Imogen Leopold"
).split()

_LAST = (
    "Pennywhistle Thistlewood Quillfeather Marchbank Oddfellow Brambleby Copperkettle Fiddlestone Gorsemoor "
    "Hollowell Inkwright Jollyfant Kettleburn Larkspurr Mossgrove Nettlebed Orchardine Puddifoot Quagmoor "
    "Rookwhistle Saltmarsh Tumblewick Underbough Vinegarten Wrenfield Yarrowby Ashgrove Buttonsworth "
    "Cindermoss Dunwiddle Elderbank Featherstonk Gumblethorpe Hazelbury Ivybridge Juniperlock Knapsworth "
    "Lanternby Muddlecombe Nimblefoot Oakenshield Pipwhistle Quibbleton Rushwick Snickersby Tanglewood "
    "Umberfield Veldtstrom Whistlecombe Yellowhammer Zestwick Applethwaite Bumbleford Crumpetson Dapplegate "
    "Eggleston Frostwhisker Gobbleshank Hobnail Ironquill"
).split()

_PREFIX = (
    "Amber Bramble Copper Drizzle Ember Fable Gossamer Hazel Indigo Juniper Kindle Lantern Meadow Nimbus "
    "Opal Pebble Quartz Russet Saffron Thimble Umber Velvet Willow Yonder Zephyr Acorn Biscuit Cobble Dapple "
    "Fennel Gingham Honey Inkwell Jasper Kettle Lilac Marble Nutmeg Oriel Pippin Quill Rowan Sorrel Tinder "
    "Upland Vesper Wicker Yarrow Zinnia Otter"
).split()

_CORE = (
    "wick field stone vale brook hollow crest mere ford gate haven moor ridge shire thorn wood bury dale "
    "fern glen hearth loft marsh nook pine quay reach spire tarn well wind lark bell bridge combe cove "
    "holt mill rook sedge"
).split()

_SUFFIX = (
    "Labs|Logistics|Foods|Analytics|Outfitters|Robotics|Health|Freight|Studios|Systems|Works|Mills|Bank|"
    "Insurance|Pharma|Retail|Energy|Media|Software|Textiles|Ceramics|Brewing|Mobility|Learning|Clinics|"
    "Payments|Hospitality|Agritech|Materials|Instruments|Telecom|Security|Dynamics|Holdings|Supply|"
    "Marine|Aerospace|Biotech|Cloud|Furniture"
).split("|")

INDUSTRIES = (
    "software", "healthcare", "financial services", "retail", "manufacturing",
    "logistics", "education", "media", "energy", "hospitality",
)
REGIONS = ("NA East", "NA West", "EMEA", "APAC", "LATAM")
LOCATIONS = ("Harbor City office", "Pine Ridge office", "remote")
GENDERS = ("woman", "man", "nonbinary")


def _draw_unique(rng: np.random.Generator, n: int, space: int) -> np.ndarray:
    if n <= space:
        return rng.choice(space, size=n, replace=False)
    return np.concatenate([rng.permutation(space), rng.integers(0, space, n - space)])


def account_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct company names such as "Bramblewick Logistics"."""
    sizes = (len(_PREFIX), len(_CORE), len(_SUFFIX))
    space = sizes[0] * sizes[1] * sizes[2]
    code = _draw_unique(rng, n, space)
    p, rest = np.divmod(code, sizes[1] * sizes[2])
    c, s = np.divmod(rest, sizes[2])
    names = np.char.add(np.char.add(np.array(_PREFIX)[p], np.array(_CORE)[c]), " ")
    names = np.char.add(names, np.array(_SUFFIX)[s]).astype(object)
    if n > space:  # only beyond ~80,000 accounts: make the repeats distinct
        extra = np.arange(n - space) // space + 2
        names[space:] = [f"{name} {k}" for name, k in zip(names[space:], extra)]
    return names


def csm_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct fictional person names such as "Avery Pennywhistle"."""
    space = len(_FIRST) * len(_LAST)
    code = _draw_unique(rng, n, space)
    f, s = np.divmod(code, len(_LAST))
    names = np.char.add(np.char.add(np.array(_FIRST)[f], " "), np.array(_LAST)[s]).astype(object)
    if n > space:
        names[space:] = [f"{name} {k}" for k, name in enumerate(names[space:], start=2)]
    return names
