"""What Crossings is, how the data was made, how to cite it, and its licences."""

import streamlit as st

from geo.i18n import N_, _
from geo.schema import CONFIRMED_DEFINITION
from geo.ui.data import get_dataset

# One message per section, so a translator keeps each section's facts and sources together.
INTRO = N_(
    """Crossings maps the forced repatriation of North Koreans from China, centred on the evening of
**9 October 2023**, when Chinese security forces drove 500–600 detained North Koreans, most of them women,
from detention centres to five border crossings and handed them to North Korea. In December 2023 the
Transitional Justice Working Group (Seoul) reported that they had "vanished"; more were said to be held.

It is built for **journalists** (what happened where, and who says so), **researchers** (filter by date and
crossing, take the data with its citations) and **presenters** (a calm map that works without internet)."""
)
READING = N_(
    """### How to read the map
- **Confidence.** *Confirmed* means {confirmed}; `python -m geo validate` refuses a row labelled
  confirmed that does not meet it. Anything less is *single source*; *inferred* is a deduction of ours that
  no source states; *unknown* means no source found says.
- **Location precision.** Most detention centres are known only to the city. They are drawn as an area
  (a dashed circle), never as a pin on a building. Bridges are drawn at the bridge where a source gives its
  coordinates; otherwise at the town, and the details say so.
- **Routes.** Only one origin of 9 October is reported at all (Kim Cheol-ok, Baishan → Nanping, "thought to
  be"). Every other origin is inferred and drawn dashed. All legs are schematic straight lines: there is no
  road data.
- **Numbers.** A number nobody reported is *unknown*, not 0. A number has its own confidence and outlets,
  apart from the feature's: "crossing used: confirmed · about 300: single source (The Economist)".
  Conflicting estimates are a range listing every estimate with its outlet, never an average.
- **Sources.** Each source is listed with its outlet. Where a link is a repost on another site and the
  original was found, the original comes first and the repost is kept as a mirror; where it was not found,
  the repost is flagged as such."""
)
GAPS = N_(
    """### Known gaps
- Per-crossing counts exist for Tumen only (about 300, one source); Dandong has two conflicting estimates;
  the other three are unknown.
- The Nanping and Shatuozi (Hunchun) bridges are not geocoded; they are drawn at the town or city.
- No facility-level coordinates were found for any detention centre.
- The title and address of the TJWG report (7 Dec 2023) are unknown; it is cited through the outlets that
  reported it.
- NKDB's six regular repatriation routes are a context layer, "Regular routes (NKDB), not 9 October", off
  until switched on in the map's layer control: thin grey dashed lines from the Chinese town to the North
  Korean town, and on to Chongjin for the Helong, Longjing and Tumen routes. They are usual routes over the
  years, not dated and not a record of 9 October: the date filter does not select them and they are not
  counted among the features it shows (the filter sentence says so); a chosen crossing hides them. Their
  ends are town and city centres (facts.md and GeoNames), not the facilities, and the lines are schematic.
- Left out on purpose: the Kaishantun–Onsong and Linjiang–Chunggang crossings (no citable source), NKDB's
  "six major detention centres" (not named), and Yanji/Hunchun arrest sites (no facility named)."""
)
CITE = N_(
    """### How to cite
> Crossings: a map of the forced repatriation of North Koreans from China (dataset version
> `{version}`). Cite the original sources listed for each feature as well."""
)
LICENCES = N_(
    """### Licences
- Curated dataset (`data/*.geojson`, `data/sources.csv`): CC BY 4.0. The cited articles keep their copyright.
- Basemap: made with Natural Earth (public domain). Detailed borders and rivers: GSHHG 2.3.7 / WDBII
  (P. Wessel and W. H. F. Smith), LGPL-3.0-or-later. Place names: GeoNames (geonames.org), CC BY 4.0,
  clipped and reduced to selected fields.
- Front-end: Leaflet (BSD-2-Clause), served by this app; see `static/vendor/README.md`."""
)
dataset = get_dataset()

st.markdown("## " + _("About Crossings"))
st.markdown(
    "\n\n".join(
        (
            _(INTRO),
            _(READING, confirmed=_(CONFIRMED_DEFINITION)),
            _(GAPS),
            _(CITE, version=dataset.version),
            _(LICENCES),
        )
    )
)
