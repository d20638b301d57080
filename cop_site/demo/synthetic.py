"""Synthetic documents for search benchmarks, written straight into the page tables in bulk.

Search has to be measured on a corpus the size of a mature exchange (10^5 documents and more),
long before real content reaches that size. Two things make that corpus useful:

* It must read like the real thing. Relevance, snippets, facet counts and index size all
  depend on the text: a theme-specific vocabulary (a frail-elderly case study talks about
  discharge, reablement and falls), real places and organisations, numbers and money figures,
  and Zipf-like word frequencies, as in natural language. Word salad would make every
  query either match everything or nothing. So sentences come from hand-written templates
  whose slots are filled from vocabularies with Zipf-like weights (earlier entries are used
  more), and each document is seeded from (seed, sequence number) so it can be reproduced.
* It must be cheap to make. Wagtail's `add_child` runs queries and signal handlers for every
  page: 35 ms a page measured here (150 ms with a published revision), an hour or more for
  100,000 pages. Here the tree paths are computed in Python and each batch is a few multi-row
  INSERTs (`executemany`) into wagtailcore_page, the knowledge and page-type tables, the
  many-to-many tables and the tag table. Django's `bulk_create` refuses multi-table-inherited
  models; it does take plain Page rows, but building the instances and compiling the SQL made
  the database side nearly twice as slow (3.8 s against 2.1 s per 10,000 pages, measured), so
  every table is written the same way. Signal handlers (search indexing, caches) are bypassed
  on purpose: the benchmark rebuilds the indexes explicitly afterwards. Measured on two cores
  with SQLite: about 2,000 pages a second, 100,000 pages in under a minute.

Synthetic pages are marked by a `synthetic-` slug prefix so that `clear_synthetic` can find and
remove them without touching real content.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.related import ForeignObjectRel
from django.db.models.functions import Cast
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.models import Page, ReferenceIndex, Revision, WorkflowState
from wagtail.search.models import IndexEntry

from learning.models import (
    CaseStudyIndexPage,
    CaseStudyPage,
    DeliveryLevel,
    KnowledgePage,
    KnowledgePageTag,
    MethodIndexPage,
    MethodPage,
    Organisation,
    Region,
    Theme,
    TransformationModel,
)
from projects.models import HighImpactProjectPage, ProjectIndexPage

SLUG_PREFIX = "synthetic-"
SLUG_NUMBER = re.compile(r"^synthetic-(\d+)-")

CASE_STUDY = "case_study"
PROJECT = "project"
METHOD = "method"

# Out of every 20 documents: 16 case studies, 3 projects and 1 method (80/15/5), spread out so
# that even a handful of documents contains every type.
_KIND_CYCLE = tuple(
    METHOD if i == 10 else PROJECT if i in (3, 9, 16) else CASE_STUDY for i in range(20)
)


class SyntheticContentError(Exception):
    """The database is not ready for synthetic content; the message says what to run."""


# --- Vocabulary -------------------------------------------------------------------------------
#
# Lists are written "most common first": `Pool` weights entry n by 1/n**0.9, so a few words
# carry most of the uses and the rest form a long tail, as in real prose. Entries separated by
# "|"; an entry may itself contain {slots}.


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split("|") if item.strip()]


GENERAL: dict[str, str] = {
    "adj": "new|joint|local|shared|integrated|single|early|preventative|multi-agency|"
    "community-based|targeted|intensive|flexible|practical|clear|simple|dedicated|specialist|"
    "strategic|pooled|sustainable|short-term|long-term|county-wide|regional|statutory|"
    "independent|rapid|realistic|modest|significant|measurable|visible|consistent|coherent|"
    "frontline|formal|informal|small|detailed|regular|annual|weekly|national|careful|honest|"
    "accessible|digital|face-to-face|paper-based|outdated|existing|revised|redesigned|"
    "streamlined|proportionate|person-centred|whole-system|place-based|outcome-based|"
    "evidence-based|cross-boundary|cross-sector|collaborative|co-produced|trusted|skilled|"
    "experienced|ambitious|pragmatic|common|complex|urgent|avoidable|unplanned|repeated|"
    "high-cost|low-cost|cost-effective|efficient|responsive|timely|seamless|joined-up|holistic|"
    "bespoke|universal|tailored|light-touch|robust|fragmented|duplicated|expensive|modern|"
    "neighbourhood|generic|operational|aligned|open|online|universal|interim|permanent|"
    "temporary|phased|incremental|radical|ambitious|cautious|scalable|replicable|transparent|"
    "reactive|proactive|fragile|stretched|overstretched|underused|underfunded|well-established|"
    "fledgling|mature|multidisciplinary|cross-party|non-statutory|discretionary|mandatory|"
    "contractual|bureaucratic|agile|lean|iterative|experimental|provisional|comprehensive|"
    "partial|piecemeal|wholesale|gradual|unexpected|predictable|seasonal|chronic|acute|"
    "recurrent|persistent|entrenched|hidden|unmet|rising|stable|volatile|affordable|tight|"
    "sizeable|marginal|notional|cashable|recurring|one-off|upfront|ongoing|rural|urban|coastal|"
    "deprived|isolated|remote|dispersed|bilingual|Welsh-speaking|trauma-informed|"
    "strengths-based|asset-based|relational|transactional|unglamorous|labour-intensive",
    "noun": "service|budget|partnership|team|board|contract|strategy|plan|pathway|process|"
    "assessment|referral|system|programme|project|pilot|review|meeting|workshop|protocol|"
    "agreement|framework|policy|target|measure|report|business case|dashboard|database|"
    "record|caseload|manager|officer|councillor|director|provider|commissioner|supplier|"
    "tender|grant|fund|saving|cost|investment|payment|claim|form|visit|appointment|call|"
    "complaint|enquiry|hand-off|risk|barrier|priority|outcome|result|lesson|change|option|"
    "model|structure|role|post|rota|hub|office|building|site|depot|vehicle|ward|district|"
    "county|borough|community|neighbourhood|household|family|resident|customer|user|client|"
    "volunteer|group|charity|organisation|agency|authority|department|directorate|function|"
    "scheme|initiative|campaign|consultation|survey|interview|evaluation|audit|inspection|"
    "baseline|timetable|milestone|deadline|decision|specification|procedure|checklist|"
    "template|spreadsheet|register|forum|panel|network|alliance|consortium|compact|concordat|"
    "memorandum|licence|levy|precept|allocation|overspend|underspend|reserve|bid|proposal|"
    "waiting list|backlog|queue|threshold|gateway|portal|helpline|inbox|caseworker|workstream|"
    "sprint|roadmap|blueprint|prototype|playbook|toolkit|guide|handbook|charter|pledge|"
    "covenant|mandate|remit|brief|subgroup|taskforce|working group|sounding board|reference "
    "group|focus group|steering committee|away day|masterclass|seminar|conference|webinar|"
    "newsletter|bulletin|briefing|scorecard|heat map|tracker|audit trail|log|ledger|invoice|"
    "purchase order|framework agreement|bidder|incumbent|contractor|subcontractor|franchise|"
    "tenant|leaseholder|landlord|trustee|governor|chair|clerk|secretariat|ombudsman|regulator|"
    "inspectorate|watchdog|auditor|assessor|mentor|champion|advocate|navigator|coordinator",
    "mass": "funding|commissioning|procurement|governance|leadership|accountability|capacity|"
    "demand|spending|income|data|information|evidence|insight|learning|trust|culture|practice|"
    "performance|resilience|wellbeing|independence|prevention|engagement|co-production|"
    "transformation|integration|collaboration|scrutiny|oversight|staff time|management time|"
    "overtime|training|supervision|legislation|guidance|regulation|feedback|momentum|support|"
    "advice|consent|risk management|case management|administration|paperwork|bureaucracy|"
    "goodwill|expertise|judgement|discretion|ownership|sponsorship|stewardship|productivity|"
    "efficiency|value for money|quality|safety|equity|fairness|inclusion|cohesion|housing|"
    "transport|childcare|employment|debt|poverty|isolation|loneliness|deprivation|inequality|"
    "unemployment|crime|disorder|homelessness|obesity|smoking|alcohol misuse|drug misuse|fuel "
    "poverty|digital exclusion|literacy|numeracy|attendance|attainment|footfall|congestion|"
    "pollution|litter|heritage|tourism|hospitality|retail|manufacturing|agriculture|broadband",
    "verb": "review|redesign|map|merge|pool|commission|simplify|streamline|test|pilot|share|"
    "align|co-locate|restructure|evaluate|extend|cost|track|measure|monitor|agree|set up|"
    "bring together|join up|replace|reduce|cut|remove|introduce|launch|fund|second|train|"
    "recruit|support|strengthen|develop|build|design|co-design|rethink|reshape|re-tender|"
    "publish|adopt|embed|scale up|roll out|expand|target|prioritise|identify|assess|screen|"
    "triage|coordinate|manage|negotiate|renegotiate|consolidate|centralise|devolve|standardise|"
    "automate|digitise|link|match|analyse|collect|count|benchmark|compare|challenge|involve|"
    "consult|survey|decommission|recommission|realign|reprofile|rationalise|transfer|"
    "outsource|insource|reorganise|refocus|retrain|upskill|overhaul|document|prototype|"
    "trial|mainstream|sustain|protect|ring-fence|underwrite|broker|convene|facilitate|"
    "accelerate|anticipate|audit|broaden|calibrate|capture|clarify|codify|compile|complement|"
    "contest|curate|deepen|defer|delegate|deploy|diversify|enable|endorse|enforce|escalate|"
    "formalise|harmonise|incentivise|inform|integrate|interrogate|leverage|map out|mobilise|"
    "moderate|navigate|nurture|orchestrate|pace|quantify|recalibrate|reconcile|refine|"
    "reinvest|replicate|repurpose|resource|safeguard|scope|shadow|signpost|spearhead|steer|"
    "stress-test|synthesise|tailor|underpin|validate|visualise|weigh up",
    "adv": "quickly|jointly|gradually|carefully|openly|formally|informally|successfully|"
    "slowly|steadily|deliberately|consistently|routinely|systematically|cautiously|"
    "reluctantly|enthusiastically|independently|collectively|explicitly|quietly|visibly|"
    "genuinely|properly|frequently|increasingly|largely|partly|mainly|broadly|rapidly|"
    "robustly|tentatively|pragmatically|proactively|sensitively|transparently|collaboratively|"
    "imaginatively|patiently|persistently|sparingly|generously|fairly|swiftly|methodically|"
    "creatively|boldly",
    "group": "residents|frontline staff|elected members|service users|partners|managers|"
    "senior leaders|practitioners|volunteers|local businesses|community groups|housing "
    "associations|schools|GP practices|trade unions|town and community councils|the voluntary "
    "sector|carers|young people|older residents|employers|landlords|faith groups|tenants",
    "role": "head of adult services|programme manager|finance director|chief executive|"
    "service manager|team leader|social worker|project officer|council leader|cabinet member|"
    "police inspector|district nurse|housing officer|community development worker|"
    "commissioning manager|performance analyst|head of customer services|ward councillor|"
    "neighbourhood manager|transformation lead|director of public health|locality manager|"
    "procurement officer|HR business partner|data analyst|GP|practice manager|youth worker|"
    "probation officer|chief fire officer|head of finance|director of social services|"
    "assistant chief constable|head of housing|team manager|business analyst|senior nurse",
    "body": "the local service board|the health and wellbeing board|the cabinet|the public "
    "services board|the community safety partnership|the joint commissioning board|the "
    "programme board|the scrutiny committee|the corporate leadership team|the regional "
    "partnership board|the children and young people's partnership|the local strategic "
    "partnership|the safeguarding board|the steering group|the executive board|the joint "
    "committee|the improvement board|the finance panel",
    "evaluator": "an independent evaluator|a local university|the council's research team|"
    "the Wales Audit Office|the Audit Commission|a peer review team|the regional improvement "
    "team|the programme office|an external consultancy|Public Health Wales|the Local "
    "Government Association|the King's Fund|Nesta|the Institute for Government|the New "
    "Economics Foundation|a team of researchers from Cardiff University|the council's internal "
    "audit team",
    "connector": "At the same time,|In practice,|Over time,|From the start,|Early on,|Within a "
    "year,|By the second year,|As a result,|Crucially,|Alongside this,|In parallel,|To begin "
    "with,|Later,|Even so,|Importantly,|In the first months,|Instead,|After some debate,|"
    "With hindsight,|Unusually for the area,|On the ground,|Behind the scenes,",
    "barrier": "data protection concerns|separate budgets|different IT systems|short-term "
    "funding|staff turnover|competing priorities|a lack of trust between agencies|different "
    "performance targets|procurement rules|the timing of the budget cycle|reorganisation in "
    "the health service|political changes after the local elections|a shortage of skilled "
    "staff|unclear governance|cautious legal advice|incompatible case management systems|"
    "professional boundaries|the cost of double running|pay and grading differences|pressure "
    "on reserves|national targets that pulled in different directions|the size of the "
    "geography|a culture of working in silos|uncertainty about future funding|union concerns "
    "about terms and conditions|slow decisions at board level",
    "enabler": "strong political backing|a shared data set|a pooled budget|a single line "
    "manager|an information sharing protocol|early wins|a dedicated project manager|senior "
    "sponsorship from all partners|co-located teams|a clear business case|invest-to-save "
    "funding|trusted relationships between managers|a common assessment|regular joint "
    "training|honest conversations about money|a small number of shared measures|support "
    "from the Welsh Government|permission to fail|a learning historian who recorded each "
    "stage|a shared office",
    "method": "a high-level count|a deep dive|customer journey mapping|a learning cycle|a "
    "logic model|a cost-benefit analysis|demand analysis|value stream mapping|appreciative "
    "inquiry|a peer review|system mapping|ethnographic interviews|process mapping|a social "
    "return on investment study|outcome-based accountability|a rapid improvement event|a "
    "service blueprint|stakeholder mapping|a citizens' panel|a before-and-after comparison|a "
    "benefits realisation plan|lean reviews|a root cause analysis|a theory of change|a "
    "maturity assessment|a test of change|a capacity and demand model",
    "method_name": "customer journey mapping|high-level count|deep dive|learning cycle|"
    "demand analysis|value stream mapping|system mapping|logic modelling|cost-benefit "
    "analysis|process mapping|appreciative inquiry|peer review|stakeholder mapping|social "
    "return on investment|outcome-based accountability|rapid improvement event|service "
    "blueprinting|root cause analysis|theory of change workshop|capacity and demand modelling|"
    "ethnographic interviewing|failure demand analysis|benefits realisation planning|"
    "citizens' panel|test-and-learn cycle|whole-system count|case file audit|family "
    "mapping|budget mapping|data matching",
    "programme": "Total Place|Supporting People|Flying Start|Communities First|the Troubled "
    "Families programme|Families First|the Better Care Fund|Sure Start|the Intermediate Care "
    "Fund|Invest to Save|the Future Jobs Fund|the Work Programme|Neighbourhood Renewal|the "
    "Big Lottery Fund|the European Social Fund|Community Budgets|One Public Estate|the "
    "Regional Collaboration Fund|the Transformation Challenge Award|the Efficiency and "
    "Innovation Programme",
    "service_other": "libraries|leisure centres|parks|waste collection|housing benefit|council "
    "tax|planning|building control|licensing|trading standards|environmental health|highways|"
    "street lighting|school transport|registrars|pest control|parking|adult education|youth "
    "services|housing options|cemeteries|markets|tourism|museums|grounds maintenance",
    "duration": "six months|a year|eighteen months|two years|three years|nine months|four "
    "years|a few months",
    "first_span": "six months|year|eighteen months|two years|three years|nine months|few months",
    "short_span": "six weeks|three months|two months|a month|twelve weeks|ten weeks|four weeks",
    "freq": "week|fortnight|month|quarter|six weeks",
    "gen_outcome": "fewer hand-offs|less duplication|quicker decisions|lower running costs|"
    "better information|fewer complaints|more consistent advice|a clearer picture of demand|"
    "shorter waiting times|fewer repeat contacts|less paperwork|better morale|a smaller "
    "management team|savings on accommodation|stronger relationships between agencies|more "
    "time with the people they serve|a shared sense of purpose|clearer accountability|less "
    "time spent chasing information|a more stable workforce",
    "lesson": "relationships matter more than structures|a small test is worth more than a "
    "big plan|money follows trust, not the other way round|data sharing is easier than "
    "people fear|frontline staff need permission to work differently|savings take longer to "
    "appear than anyone expects|political support has to be renewed after every election|"
    "the first count is always wrong but always useful|the person's own story is the best "
    "evidence|governance should follow the work rather than lead it|it is easier to stop "
    "doing things together than alone|a named owner for every action matters|the hardest "
    "part is letting go of control|sharing a building changes behaviour faster than any "
    "protocol|measures should be few and agreed by everyone",
    "advice": "start with a count of what is already spent|agree how savings will be shared "
    "before they appear|give frontline staff permission to work differently|keep the first "
    "test small|put one person in charge of each case|measure a few things well|talk to "
    "{t_people} before designing anything|involve finance officers from day one|plan for "
    "double running costs|write down what was learned at each stage|expect the first year "
    "to be slow|secure political support across parties",
    "quote": "We stopped arguing about whose budget it was and started talking about the "
    "person in front of us.|Nobody had ever added it all up before.|The hardest part was not "
    "the money, it was letting go of control.|Once {group} saw the numbers, the conversation "
    "changed.|We learned more from the first three months than from two years of planning.|"
    "Sharing an office did more than any protocol.|If we had waited for perfect data we would "
    "never have started.|People told us the same story five times to five different services.|"
    "It only worked because the {t_staff} trusted each other.|The count showed us we were "
    "all paying for the same {t_people} several times over.|We thought the problem was money. "
    "It turned out to be the way we worked.|For the first time, {t_staff} and {t_staff} "
    "were in the same room talking about the same people.|It felt risky, but the old way was "
    "riskier.|Our staff knew what needed to change; we just had to listen.|The savings are "
    "real, but the bigger change is in how we think.",
    "condition": "partners are willing to share data|there is a named sponsor in every "
    "organisation|the problem crosses several budgets|there is time to test before scaling "
    "up|{group} can be involved from the start|someone has time to pull the evidence together",
    "team_ref": "transformation team|policy team|partnership unit|commissioning team|"
    "improvement team|programme office|performance team|chief executive's office",
    "detail": "laptops|tablets|mobile phones|minibuses|pool cars|key safes|grab rails|smoke "
    "alarms|wheelie bins|lockers|hot desks|leaflets|posters|text message reminders|vouchers|"
    "food parcels|bus passes|library cards|hearing aids|walking frames|stairlifts|bath seats|"
    "pendant alarms|door sensors|fridges|cookers|beds|mattresses|school uniforms|bicycles|"
    "helmets|litter pickers|skips|recycling boxes|food caddies|compost bins|water butts|"
    "sandbags|flood barriers|street lights|benches|bus shelters|noticeboards|kiosks|"
    "touchscreens|video calls|webcams|headsets|printers|scanners|filing cabinets|case files|"
    "consent forms|referral forms|care plans|risk assessments|job descriptions|rotas|"
    "timesheets|receipts|floor plans|lanyards|ID badges|uniforms|vans|gritters|defibrillators|"
    "first aid kits|hygiene packs|blankets|heaters|radios|umbrellas|thermos flasks|"
    "interpreters|taxis|train tickets|car parking permits|meeting rooms|whiteboards|"
    "sticky notes|flip charts|name badges|sandwiches",
    "event": "drop-in sessions|coffee mornings|roadshows|open days|hackathons|away days|"
    "listening events|community conversations|market stalls|door-knocking sessions|summer "
    "fun days|clean-up days|tea dances|lunch clubs|job fairs|training days|awareness weeks|"
    "celebration events|walkabouts|street surgeries|pop-up shops|online surveys|focus groups|"
    "citizens' assemblies|story-telling workshops|site visits",
    "month": "January|February|March|April|May|June|July|August|September|October|November|"
    "December",
    "codename": "Phoenix|Horizon|Compass|Bridge|Anchor|Beacon|Catalyst|Spark|Thrive|"
    "Kaleidoscope|Lighthouse|Keystone|Pathfinder|Springboard|Stepping Stones|Harbour|Lantern|"
    "Mosaic|Nexus|Orbit|Pioneer|Quest|Ripple|Sapling|Tandem|Unity|Vantage|Waypoint|Zenith|"
    "Acorn|Bluebell|Cedar|Dragonfly|Evergreen|Firefly|Gateway|Hive|Ivy|Juniper|Kestrel|Lark|"
    "Meadow|Nightingale|Puffin|Rowan|Skylark|Thistle|Willow|Wren|Heron|Otter|Badger|"
    "Kingfisher|Osprey|Red Kite|Daffodil|Foxglove|Heather|Hawthorn|Cornerstone|Bedrock|"
    "Lodestar|Trellis|Tapestry|Harmony|Momentum|Ascent|Embrace|Connect|Together|Reach",
    "street": "Station Road|Church Street|High Street|Market Street|Mill Lane|Victoria Road|"
    "Albert Street|Park Road|Queen Street|King Street|Bridge Street|Castle Street|Chapel Lane|"
    "School Road|The Green|Windsor Road|York Street|Brunswick Square|Clarence Place|"
    "Commercial Street|Cathedral Road|Hill Street|North Parade|Crescent Road|Water Street|"
    "Union Street|Trinity Square|Museum Place|Dock Road|Canal Side",
}

GENERAL_TAGS = _split(
    "total place|whole area working|early intervention|prevention|invest to save|pooled "
    "budgets|data sharing|multi agency teams|co location|commissioning|place based budgets|"
    "customer insight|learning capture|high impact projects|shared services|behaviour change|"
    "demand management|service redesign|lean|systems thinking|outcomes|performance "
    "management|evaluation|cost benefit analysis|social return on investment|business case|"
    "governance|leadership|culture change|workforce development|digital|information "
    "governance|procurement|partnership working|collaboration|integration|localism|"
    "devolution|budget cuts|austerity|efficiency savings|income generation|trading company|"
    "outsourcing|insourcing|cooperative council|commissioning council|enabling council|"
    "entrepreneurial council|strategic commissioning|market shaping|third sector|social "
    "enterprise|volunteering|community budgets|neighbourhood management|rural services|urban "
    "regeneration|housing|homelessness|public health|health inequalities|wellbeing|poverty|"
    "financial inclusion|debt advice|welfare benefits|transport|education|schools|libraries|"
    "leisure|culture|tourism|economic growth|planning|licensing|trading standards|"
    "environmental health|emergency planning|safeguarding|equalities|welsh language|rural|"
    "coastal communities|older people|young people|families|disability|crime reduction|"
    "antisocial behaviour|fire prevention|road safety|flood risk|sustainability|contract "
    "management|data analytics|predictive analytics|open data|websites|apps|automation|"
    "artificial intelligence|scrutiny|audit|inspection|regulation|risk management|programme "
    "management|project management|agile|design thinking|user research|co design|peer "
    "review|benchmarking|learning histories|communities of practice|knowledge sharing|case "
    "management|triage|front door|single assessment|care pathways|step down|step up|pilot|"
    "scaling up|mainstreaming|pooled fund|section 33|local service board|public services "
    "board|health board|police and crime commissioner|city deal|growth deal|combined "
    "authority|regional working|cross border|sub regional|national programme|welsh "
    "government|whitehall|treasury|double running|demand reduction|channel strategy|"
    "information sharing|outcome measures|logic model|theory of change|test and learn"
)

# Per theme (by slug): who it is for (people), what is set up (services, singular), who does it
# (staff), what they do (activities, gerunds), what goes wrong (problems), what is counted
# (metrics, plural), where (settings), topic words, title subjects, benefits (verb phrases for
# "so that people could ...") and tags.
THEMES: dict[str, dict[str, str]] = {
    "frail-elderly": {
        "details": "pendant alarms|key safes|grab rails|hospital beds|commodes|walking frames|"
        "pill dispensers|falls sensors|care packages|welfare calls|hot meals|"
        "blister packs|bed sensors|hoists|raised toilet seats",
        "people": "older people|frail older people|people leaving hospital|older residents|"
        "people with dementia|carers|people living alone|people over 75|patients awaiting "
        "discharge|older people at risk of falling|people with long-term conditions|"
        "housebound residents|older people in care homes|people receiving home care",
        "services": "reablement service|hospital discharge team|falls prevention service|"
        "intermediate care team|rapid response team|community resource team|telecare "
        "service|home from hospital scheme|dementia support service|step-down bed scheme|"
        "virtual ward|carers' support service|integrated discharge hub|night-sitting "
        "service|handyperson scheme",
        "staff": "occupational therapists|physiotherapists|district nurses|social workers|"
        "reablement workers|GPs|care coordinators|discharge nurses|home care workers|"
        "community matrons|pharmacists|paramedics|housing officers",
        "activities": "planning discharge from the day of admission|assessing people in "
        "their own homes|fitting telecare and home adaptations|reviewing medication for "
        "people at risk of falls|arranging short-term reablement after a hospital stay|"
        "supporting carers to keep going|checking on people living alone in winter|"
        "providing equipment within 48 hours|running strength and balance classes|"
        "coordinating care through one named worker|sharing records between hospital and "
        "community teams|offering step-down beds as an alternative to care homes",
        "problems": "delayed discharges|repeat falls|avoidable emergency admissions|"
        "premature care home admissions|loneliness|carer breakdown|winter pressures|"
        "hospital-acquired deconditioning|readmissions within 30 days|fragmented home care|"
        "hip fractures|medication errors",
        "metrics": "emergency admissions|bed days|delayed transfers of care|care home "
        "placements|falls-related admissions|readmissions|home care hours|ambulance "
        "call-outs|days spent in hospital|hip fractures",
        "settings": "the acute hospital|people's own homes|GP surgeries|community hospitals|"
        "extra care housing|care homes|day centres|the emergency department",
        "words": "reablement|hospital discharge|telecare|home care|falls prevention|"
        "intermediate care|dementia care|respite care|community nursing|occupational therapy|"
        "home adaptations|assistive technology|continuing healthcare|end-of-life care|"
        "frailty|carers' support|equipment services|domiciliary care|medicines management|"
        "care home support",
        "topics": "hospital discharge|falls prevention|reablement|intermediate care|frailty|"
        "telecare|dementia support|carers' support|home adaptations|step-down care|winter "
        "resilience|care home support|end-of-life care|rapid response",
        "benefits": "return home sooner|stay independent for longer|avoid an unnecessary "
        "stay in hospital|live safely in their own homes|regain confidence after a fall|get "
        "the right care at the right time|stay out of residential care|keep in touch with "
        "friends and neighbours",
        "tags": "frailty|hospital discharge|reablement|falls prevention|telecare|dementia|"
        "carers|intermediate care|delayed transfers of care|home care|care homes|assistive "
        "technology|winter pressures|ageing well|virtual wards",
    },
    "integrated-health-and-social-care": {
        "details": "shared care plans|risk registers|prescriptions|inhalers|"
        "blood pressure monitors|care summaries|discharge letters|case conferences|"
        "duty rotas|referral criteria|consent forms|home visits|clinics|wellbeing plans",
        "people": "patients with long-term conditions|people with complex health needs|"
        "service users|adults with learning disabilities|people with mental health problems|"
        "people with multiple conditions|patients|frequent attenders|people with diabetes|"
        "people with chronic lung disease|adults needing care and support|people in crisis",
        "services": "integrated locality team|joint health and social care team|single point "
        "of access|community mental health team|multidisciplinary team|care coordination "
        "service|integrated assessment service|joint equipment store|primary care cluster "
        "team|crisis resolution team|social prescribing service|community wellbeing hub",
        "staff": "GPs|social workers|community nurses|care coordinators|mental health "
        "nurses|therapists|pharmacists|health visitors|commissioners|practice managers|link "
        "workers|consultants",
        "activities": "holding weekly multidisciplinary meetings|risk-stratifying GP practice "
        "lists|pooling budgets for community services|agreeing a single assessment|sharing "
        "care records across health and social care|commissioning services jointly|aligning "
        "staff around GP clusters|moving care closer to home|using social prescribing|"
        "managing cases across organisational boundaries|agreeing shared outcomes|running a "
        "joint duty rota",
        "problems": "duplicate assessments|unplanned admissions|disputes over continuing "
        "healthcare|cost shunting between budgets|waits for assessment|separate case records|"
        "unmet mental health needs|inappropriate referrals|delays between referral and "
        "support|gaps between primary and secondary care",
        "metrics": "unplanned admissions|duplicate assessments|waiting times|outpatient "
        "appointments|A&E attendances|out-of-area placements|assessments completed within "
        "target|referrals|repeat attendances|prescribing costs",
        "settings": "GP practices|the district general hospital|community health centres|"
        "people's homes|the local authority offices|integrated care centres|primary care "
        "resource centres|mental health units",
        "words": "integration|joint commissioning|pooled budgets|primary care|community "
        "health services|mental health|social prescribing|care coordination|continuing "
        "healthcare|section 75 agreements|multidisciplinary working|risk stratification|care "
        "planning|self-care|long-term conditions|community services|care records",
        "topics": "integrated locality working|joint commissioning|single point of access|"
        "social prescribing|multidisciplinary teams|pooled budgets|care coordination|shared "
        "care records|community mental health|long-term conditions|primary care clusters|"
        "integrated assessment",
        "benefits": "tell their story only once|get support before they reach crisis|manage "
        "their conditions at home|see the right professional first time|stay well in the "
        "community|have one plan for their care",
        "tags": "integration|joint commissioning|pooled budgets|primary care|mental health|"
        "social prescribing|section 75|care coordination|long term conditions|"
        "multidisciplinary teams|shared records|health and social care|community health|care "
        "planning|cluster working",
    },
    "complex-families": {
        "details": "family plans|chronologies|genograms|school reports|tenancy agreements|"
        "parenting courses|breakfast clubs|home visits|contact sessions|court reports|"
        "safety plans|youth clubs|holiday schemes|debt plans",
        "people": "families with complex needs|troubled families|children on the edge of "
        "care|parents with substance misuse problems|families affected by domestic abuse|"
        "young carers|families in temporary accommodation|families with children missing "
        "school|lone parents|families known to several agencies",
        "services": "team around the family|family intervention project|intensive family "
        "support service|early help hub|multi-agency safeguarding hub|family support team|"
        "parenting programme|edge-of-care service|family group conferencing service|"
        "whole-family key worker service",
        "staff": "key workers|family support workers|social workers|health visitors|school "
        "nurses|police officers|housing officers|education welfare officers|youth workers|"
        "substance misuse workers|domestic abuse advocates",
        "activities": "assigning one key worker to each family|agreeing one family plan|"
        "sharing information about families across agencies|working with the whole family "
        "rather than individuals|offering intensive support at evenings and weekends|running "
        "family group conferences|tracking outcomes for each family|stepping down support "
        "gradually|holding agencies to account for their part of the plan|identifying "
        "families early through school data",
        "problems": "children entering care|domestic abuse|school exclusions|antisocial "
        "behaviour|parental substance misuse|repeat referrals to children's services|"
        "evictions|persistent absence|neglect|youth offending",
        "metrics": "children entering care|repeat referrals|school exclusions|police "
        "call-outs|evictions|unauthorised absences|child protection plans|emergency "
        "placements|antisocial behaviour incidents|costs per family",
        "settings": "family homes|local schools|children's centres|the early help hub|"
        "community centres|GP surgeries|the youth offending service",
        "words": "early help|family support|safeguarding|parenting|key working|domestic "
        "abuse|substance misuse|children's services|edge of care|family intervention|"
        "whole-family working|school attendance|child protection|youth offending|family plans",
        "topics": "team around the family|family intervention|early help|edge-of-care "
        "support|whole-family working|key working|family group conferencing|domestic abuse "
        "support|parenting support|multi-agency safeguarding",
        "benefits": "stay together safely|get back into school|find stable housing|stop the "
        "cycle of crisis|get help before problems escalate|take back control of their lives",
        "tags": "complex families|troubled families|early help|family intervention|key "
        "workers|safeguarding|domestic abuse|edge of care|parenting|whole family|team around "
        "the family|school attendance|substance misuse|child protection|youth offending",
    },
    "offender-management": {
        "details": "release plans|licence conditions|tags|drug tests|hostel beds|"
        "mentoring sessions|bank accounts|ID documents|court orders|curfews|victim statements|"
        "travel warrants|phones|work boots",
        "people": "prolific offenders|offenders leaving prison|young offenders|people on "
        "probation|women offenders|people with drug and alcohol problems|victims of crime|"
        "people on short sentences|repeat offenders|offenders with mental health needs",
        "services": "integrated offender management team|prison resettlement service|women's "
        "centre|youth offending team|drug intervention programme|community justice team|"
        "restorative justice service|through-the-gate service|custody liaison and diversion "
        "service|bail support scheme",
        "staff": "probation officers|police officers|offender managers|prison staff|drug "
        "workers|housing officers|mental health workers|youth justice workers|victim liaison "
        "officers|magistrates",
        "activities": "meeting prisoners at the gate on release|finding accommodation before "
        "release|jointly managing prolific offenders|diverting people from custody|running "
        "restorative justice conferences|testing for drugs on arrest|coordinating housing, "
        "benefits and treatment|offering mentoring by ex-offenders|sharing intelligence "
        "between police and probation|supporting families of offenders",
        "problems": "reoffending|homelessness on release|drug-related crime|short-sentence "
        "churn|breaches of licence|acquisitive crime|court delays|antisocial behaviour|gaps in "
        "resettlement support|domestic burglary",
        "metrics": "reoffending rates|arrests|breaches|custodial sentences|acquisitive "
        "crimes|court appearances|nights spent in custody|recalls to prison|burglaries|"
        "drug-related offences",
        "settings": "the local prison|the magistrates' court|police custody suites|probation "
        "offices|approved premises|hostels|the women's centre",
        "words": "reoffending|resettlement|probation|integrated offender management|"
        "restorative justice|community sentences|diversion|rehabilitation|community safety|"
        "youth justice|drug treatment|custody|licence conditions|victim support|criminal "
        "justice",
        "topics": "integrated offender management|prison resettlement|restorative justice|"
        "women offenders|youth justice|custody diversion|drug intervention|community "
        "sentences|through-the-gate support|reducing reoffending",
        "benefits": "stay out of prison|find settled accommodation|get into treatment "
        "quickly|repair the harm they caused|find training or work after release|rebuild "
        "family relationships",
        "tags": "reoffending|offender management|probation|resettlement|restorative justice|"
        "community safety|youth justice|criminal justice|diversion|prisons|drugs|women "
        "offenders|victims|policing|rehabilitation",
    },
    "worklessness": {
        "details": "CVs|job applications|interview clothes|travel passes|training vouchers|"
        "work trials|job adverts|payslips|certificates|driving lessons|childcare places|"
        "laptop loans|volunteering placements|bank accounts",
        "people": "long-term unemployed people|young people not in education, employment or "
        "training|people on incapacity benefits|lone parents|older jobseekers|people with "
        "disabilities|care leavers|residents with low skills|people with health conditions|"
        "young adults leaving school",
        "services": "employment hub|work club|jobs brokerage service|apprenticeship "
        "programme|in-work support service|job-matching service|skills academy|supported "
        "employment service|youth guarantee scheme|community jobs programme",
        "staff": "employment advisers|job coaches|work coaches|careers advisers|training "
        "providers|employers|benefit advisers|mentors|business engagement officers|college "
        "tutors",
        "activities": "matching residents to local vacancies|offering work placements with "
        "council contractors|providing debt and benefits advice alongside job search|using "
        "procurement to create local jobs|supporting people in the first months of work|"
        "running pre-employment training|coaching people with health conditions back to work|"
        "linking colleges with local employers|creating apprenticeships in public services|"
        "mapping employment support across agencies",
        "problems": "long-term unemployment|youth unemployment|economic inactivity|low "
        "skills|in-work poverty|benefit dependency|skills shortages|poor transport to jobs|"
        "duplicated employment programmes|low pay",
        "metrics": "job outcomes|benefit claims|apprenticeship starts|sustained jobs|"
        "qualifications gained|work placements|referrals to employment support|job starts|"
        "people in work after six months|young people out of work",
        "settings": "the local jobcentre|community venues|further education colleges|the "
        "employment hub|local employers' premises|libraries|housing association offices",
        "words": "employability|apprenticeships|skills|jobs|employment support|welfare "
        "reform|benefits|job search|in-work support|economic development|labour market|local "
        "recruitment|work experience|training|careers advice|social value",
        "topics": "employment support|youth employment|apprenticeships|skills|job "
        "brokerage|in-work support|welfare reform|social value in procurement|economic "
        "inactivity|local recruitment",
        "benefits": "find and keep work|gain qualifications|move off benefits|build "
        "confidence for interviews|get a first job|earn a better wage",
        "tags": "worklessness|employment|skills|apprenticeships|youth employment|welfare "
        "reform|neet|economic development|job brokerage|in work support|social value|"
        "employability|benefits|training|labour market",
    },
    "asset-management": {
        "details": "leases|floor plans|condition surveys|meeting rooms|car parks|boilers|roofs|"
        "solar panels|LED lighting|service charges|hot desks|reception desks|"
        "storage space|keys",
        "people": "building users|service users|staff|community groups|tenants|local "
        "businesses|partner organisations|residents",
        "services": "joint property board|shared estates team|property rationalisation "
        "programme|community asset transfer scheme|one public estate partnership|shared "
        "facilities management service|co-location programme|energy efficiency programme|"
        "office rationalisation project|public sector hub",
        "staff": "estates managers|surveyors|facilities managers|property officers|finance "
        "officers|energy officers|asset managers|architects|legal officers",
        "activities": "mapping every public building in the county|co-locating services in "
        "shared hubs|transferring buildings to community groups|disposing of surplus "
        "property|sharing office space between partners|running a single facilities "
        "management contract|cutting energy use in public buildings|agreeing a joint asset "
        "management plan|reviewing leases across organisations|building a shared property "
        "database",
        "problems": "surplus office space|high running costs|maintenance backlogs|empty "
        "buildings|poorly located services|duplicated facilities|rising energy bills|short "
        "leases|under-used buildings|carbon emissions",
        "metrics": "running costs|square metres of floor space|maintenance liabilities|"
        "capital receipts|energy bills|carbon emissions|vacant buildings|leases|office desks|"
        "building occupancy rates",
        "settings": "the civic centre|shared public service hubs|libraries|community "
        "centres|health centres|police stations|fire stations|depots",
        "words": "property|estates|buildings|co-location|capital receipts|facilities "
        "management|asset transfer|office space|the public estate|energy|maintenance|land|"
        "leases|accommodation|carbon reduction",
        "topics": "public estate|co-location|asset transfer|property rationalisation|shared "
        "hubs|facilities management|energy efficiency|office accommodation|capital receipts|"
        "joint property planning",
        "benefits": "find several services under one roof|use community buildings that stay "
        "open|reach services closer to home|save time travelling between offices",
        "tags": "asset management|public estate|co location|property|estates|community "
        "assets|asset transfer|capital receipts|energy efficiency|facilities management|one "
        "public estate|hubs|office rationalisation|carbon reduction|buildings",
    },
    "children-and-young-people": {
        "details": "nursery places|speech assessments|reading books|school meals|"
        "free school uniforms|foster placements|pathway plans|activity packs|bus passes|"
        "counselling sessions|play sessions|baby boxes|health checks|holiday clubs",
        "people": "children and young people|young people leaving care|under-fives|children "
        "with disabilities|young people at risk of exclusion|teenagers|looked-after children|"
        "young people with mental health needs|new parents|children in need",
        "services": "early years service|youth service|looked-after children's team|child "
        "and adolescent mental health service|school-based counselling service|Flying Start "
        "programme|children's centre network|youth hub|early assessment service|transition "
        "team for disabled young people",
        "staff": "health visitors|teachers|youth workers|social workers|school nurses|"
        "educational psychologists|early years practitioners|counsellors|foster carers|"
        "speech and language therapists",
        "activities": "assessing every child at two and a half|supporting parents in the "
        "early years|offering counselling in schools|finding local foster placements|"
        "planning transitions to adult services|running holiday activities|supporting care "
        "leavers into independence|identifying developmental delay early|working with "
        "schools on attendance|providing speech and language support in nurseries",
        "problems": "school readiness gaps|out-of-area placements|teenage pregnancy|"
        "exclusions|emotional wellbeing problems|child poverty|placement breakdowns|long "
        "waits for mental health support|developmental delay|bullying",
        "metrics": "out-of-area placements|exclusions|children reaching expected "
        "development|referrals to specialist services|placement moves|waiting times for "
        "counselling|young people in education or training|hospital admissions for "
        "self-harm|school attendance rates|looked-after children",
        "settings": "schools|children's centres|nurseries|youth centres|family homes|"
        "community venues|GP surgeries",
        "words": "early years|youth work|looked-after children|school readiness|child "
        "development|foster care|care leavers|emotional wellbeing|education|play|childcare|"
        "parenting support|school attendance|special educational needs|transition",
        "topics": "early years|school readiness|looked-after children|youth services|care "
        "leavers|children's mental health|foster care|transition to adulthood|school "
        "counselling|special educational needs",
        "benefits": "start school ready to learn|stay in their local school|get help with "
        "their mental health early|live with a local foster family|move into their own home "
        "with support|reach their potential",
        "tags": "children and young people|early years|looked after children|care leavers|"
        "youth services|school readiness|foster care|camhs|special educational needs|flying "
        "start|transition|child poverty|education|parenting|childcare",
    },
    "shared-services": {
        "details": "invoices|purchase orders|payslips|contracts|licences|servers|laptops|"
        "expense claims|job evaluations|audit reports|service level agreements|"
        "cost centres|ledgers|data centres",
        "people": "staff|managers|suppliers|customers|partner councils|elected members|"
        "payroll users|schools",
        "services": "shared back-office service|joint procurement unit|shared legal service|"
        "shared revenues and benefits service|joint ICT service|shared HR and payroll "
        "service|shared internal audit service|joint management team|regional procurement "
        "hub|shared finance service|trading company",
        "staff": "procurement officers|finance staff|HR advisers|ICT staff|lawyers|payroll "
        "staff|auditors|shared service managers|chief officers|business partners",
        "activities": "merging back-office teams across councils|buying goods and services "
        "jointly|sharing a chief executive and senior management team|moving to a single "
        "finance system|standardising HR policies|running payroll for several organisations|"
        "setting up a trading company|re-tendering contracts together|sharing internal audit|"
        "consolidating ICT contracts",
        "problems": "duplicated management costs|fragmented contracts|outdated systems|high "
        "transaction costs|inconsistent processes|small teams with no resilience|rising "
        "back-office costs|supplier lock-in|pay and grading differences|competing council "
        "priorities",
        "metrics": "back-office costs|management posts|transaction costs|contracts|invoices "
        "processed|ICT costs|staff numbers|processing times|days lost to sickness|agency staff "
        "costs",
        "settings": "the council offices|the shared service centre|partner councils' "
        "offices|the data centre|the procurement hub",
        "words": "shared services|procurement|back-office support|payroll|finance|HR|ICT|"
        "legal services|audit|revenues and benefits|management|contracts|systems|"
        "transactional services|trading",
        "topics": "shared services|joint procurement|shared management|back-office "
        "consolidation|shared ICT|revenues and benefits|payroll and HR|legal services|trading "
        "companies|contract management",
        "benefits": "get quicker answers to simple questions|pay less for the same service|"
        "deal with one team instead of several",
        "tags": "shared services|joint procurement|shared management|back office|"
        "procurement|payroll|ict|legal services|revenues and benefits|trading company|"
        "outsourcing|efficiency|collaboration|contracts|internal audit",
    },
    "community-engagement": {
        "details": "small grants|ballots|voting cards|community noticeboards|newsletters|"
        "meeting rooms|banners|minibuses|tea and biscuits|allotments|tools|paint|seeds|"
        "village halls",
        "people": "residents|community groups|tenants|volunteers|young people|older "
        "residents|local businesses|faith groups|disabled residents|seldom-heard groups",
        "services": "participatory budgeting programme|community panel|neighbourhood forum|"
        "time bank|community development team|volunteer centre|co-production network|ward "
        "budget scheme|community anchor organisation|citizens' jury",
        "staff": "community development workers|ward councillors|neighbourhood managers|"
        "volunteer coordinators|engagement officers|youth workers|housing officers|local "
        "activists",
        "activities": "letting residents decide how to spend part of the budget|running "
        "neighbourhood forums|training community researchers|co-designing services with "
        "users|supporting volunteers to run local services|holding citizens' juries on "
        "difficult choices|mapping community assets|devolving small budgets to ward "
        "councillors|running time banks|handing services over to community groups",
        "problems": "low turnout|consultation fatigue|distrust of the council|isolation|"
        "inequality between neighbourhoods|loss of local facilities|low volunteering|"
        "tokenistic consultation|poor reach to some groups|dependency on council services",
        "metrics": "volunteer hours|residents involved|community-led projects|participation "
        "rates|grants awarded|groups supported|hours exchanged|responses to consultations|"
        "community buildings kept open|complaints about the area",
        "settings": "community centres|village halls|libraries|schools|faith buildings|parks|"
        "local pubs and cafés",
        "words": "co-production|community development|volunteering|participatory budgeting|"
        "neighbourhood working|localism|community assets|civic participation|social action|"
        "resilience|engagement|consultation|local democracy|community cohesion|mutual aid",
        "topics": "participatory budgeting|co-production|neighbourhood working|community "
        "assets|volunteering|citizens' juries|community development|time banking|ward "
        "budgets|community resilience",
        "benefits": "have a real say in local decisions|run services they care about|get to "
        "know their neighbours|feel safer in their area|use their skills to help others",
        "tags": "community engagement|co production|participatory budgeting|volunteering|"
        "neighbourhood working|localism|community development|social action|time banking|"
        "citizens panel|community assets|engagement|consultation|resilience|cohesion",
    },
    "customer-access": {
        "details": "phone lines|web forms|chatbots|appointment slots|queue tickets|"
        "self-service kiosks|scripts|knowledge bases|call recordings|customer records|"
        "text reminders|online accounts|signage|hearing loops",
        "people": "customers|residents|callers|benefit claimants|tenants|business customers|"
        "older customers|people without internet access|visitors|service users",
        "services": "contact centre|one-stop shop|single front door|customer service "
        "centre|online account|out-of-hours call centre|triage gateway|joint contact centre|"
        "digital inclusion service|customer relationship management system",
        "staff": "customer service advisers|call handlers|receptionists|digital champions|"
        "team leaders|business analysts|web developers|switchboard staff",
        "activities": "answering more enquiries at the first point of contact|moving simple "
        "transactions online|setting up a single telephone number|sharing a customer record "
        "across services|running a joint out-of-hours service|redesigning forms with "
        "customers|training staff to handle several services|helping people get online in "
        "libraries|publishing service standards|measuring failure demand",
        "problems": "failure demand|long call waiting times|repeat contacts|complaints|"
        "hand-offs between departments|paper forms|multiple telephone numbers|abandoned "
        "calls|digital exclusion|inconsistent advice",
        "metrics": "calls|abandoned calls|repeat contacts|complaints|visits to council "
        "offices|online transactions|waiting times|enquiries resolved first time|costs per "
        "contact|avoidable contacts",
        "settings": "the contact centre|libraries|the civic centre|one-stop shops|the "
        "council website|mobile outreach vans|community hubs",
        "words": "customer service|the contact centre|telephony|online services|digital "
        "services|self-service|first contact resolution|failure demand|channel shift|the "
        "website|forms|complaints handling|enquiries|appointments|digital inclusion",
        "topics": "customer access|channel shift|first contact resolution|contact centres|"
        "online services|digital inclusion|single front door|failure demand|out-of-hours "
        "services|customer insight",
        "benefits": "get things done in one contact|reach the council at a time that suits "
        "them|avoid repeating their details|get consistent advice",
        "tags": "customer access|channel shift|contact centre|digital|self service|failure "
        "demand|customer insight|one stop shop|digital inclusion|customer service|"
        "complaints|telephony|online services|first contact|triage",
    },
    "environment-and-place": {
        "details": "food caddies|wheelie bins|reuse shops|litter bins|street sweepers|"
        "electric vans|charging points|cycle racks|trees|planters|flood gates|gullies|CCTV cameras|"
        "bulky items",
        "people": "residents|households|local businesses|commuters|landlords|visitors|town "
        "centre traders|rural communities",
        "services": "waste and recycling service|street scene team|joint waste partnership|"
        "bulky waste service|flood resilience partnership|town centre partnership|climate "
        "action programme|active travel scheme|environmental enforcement team|parks "
        "partnership",
        "staff": "refuse collectors|street cleaners|environmental health officers|planners|"
        "highways engineers|park rangers|enforcement officers|climate officers|waste managers",
        "activities": "collecting food waste weekly|running a reuse shop for bulky items|"
        "sharing depots and vehicles between councils|tackling fly-tipping hot spots|"
        "installing electric vehicle charging points|planting trees with schools|managing "
        "flood risk with the water company|improving walking and cycling routes|letting "
        "contracts for waste treatment jointly|cleaning streets based on need rather than a "
        "fixed rota",
        "problems": "fly-tipping|landfill costs|flooding|air pollution|litter|traffic "
        "congestion|empty shops|carbon emissions|poor recycling rates|graffiti",
        "metrics": "recycling rates|tonnes sent to landfill|fly-tipping incidents|carbon "
        "emissions|journeys made by bike|properties at risk of flooding|complaints about "
        "litter|vacant shop units|missed collections|tonnes reused",
        "settings": "town centres|household recycling centres|parks|high streets|council "
        "depots|residential streets|industrial estates",
        "words": "recycling|waste|street cleaning|climate change|flooding|parks|planning|"
        "transport|air quality|green space|biodiversity|regeneration|reuse|active travel|net "
        "zero",
        "topics": "waste and recycling|bulky waste reuse|flood resilience|street cleaning|"
        "climate action|active travel|town centre regeneration|fly-tipping|air quality|green "
        "spaces",
        "benefits": "enjoy cleaner streets|recycle more with less effort|live in homes safe "
        "from flooding|walk and cycle safely|spend time in better parks",
        "tags": "environment|waste|recycling|reuse|climate change|net zero|flooding|street "
        "scene|parks|active travel|regeneration|air quality|fly tipping|town centres|"
        "biodiversity",
    },
}


def _fallback_theme(name: str) -> dict[str, str]:
    """Vocabulary for a theme a curator added after this file was written: built from its name."""
    topic = name.lower()
    return {
        "people": "residents|service users|families|people who use services|local people",
        "services": f"{topic} service|{topic} team|{topic} partnership|{topic} programme",
        "staff": "practitioners|officers|managers|specialists|frontline staff",
        "activities": f"reviewing {topic} across agencies|joining up {topic} work|"
        f"sharing data about {topic}|commissioning {topic} jointly",
        "problems": "duplication|rising demand|gaps between services|delays",
        "metrics": "referrals|costs|waiting times|complaints|repeat contacts",
        "settings": "community venues|council offices|local hubs",
        "words": f"{topic}|{topic} services|{topic} work",
        "details": "leaflets|case files|meeting rooms|spreadsheets",
        "topics": f"{topic}|joined-up {topic}|{topic} services",
        "benefits": "get the right help sooner|deal with fewer organisations",
        "tags": topic,
    }


TITLE_ADJ = _split(
    "joint|integrated|single|shared|community|multi-agency|early|neighbourhood|county-wide|"
    "regional|whole-system|preventative|rapid|local|cross-border|digital|place-based|"
    "collaborative|new|redesigned"
)
TITLE_FORMAT = _split(
    "team|service|pilot|programme|partnership|hub|pathway|project|scheme|network|review|"
    "model|approach|panel|board|initiative|alliance|test of change|prototype|framework"
)

# --- Sentence templates -----------------------------------------------------------------------

TEMPLATES: dict[str, list[str]] = {
    "background": [
        "Before the change, {t_people} in {place} often dealt with {n_word} or more separate "
        "services, each with its own assessment and its own {noun}.",
        "In {year}, {lead} and its partners spent an estimated {money} a year on {t_problem}, "
        "much of it on crisis responses rather than prevention.",
        "A high-level count in {year} showed that around {big_num} {t_people} accounted for a "
        "large share of the spending on {t_word} in {place}.",
        "Demand on the {t_service} had grown by {pct} per cent in {n_word} years, while "
        "budgets across {region} were falling.",
        "{group} had raised concerns about {t_problem} for some time, and {body} agreed to "
        "look at it as a priority.",
        "{place} has a population of about {population} and one of the highest rates of "
        "{t_problem} in {nation}.",
        "Several agencies were working with the same {t_people}, but no one had a full "
        "picture of what was being spent or what difference it made.",
        "The work grew out of {programme}, which gave partners in {place} a reason to look at "
        "{t_word} across organisational boundaries.",
        "{lead} wanted to understand why {t_metric} in {place} were higher than in similar areas.",
        "Staff described a system in which {t_people} fell through the gaps between "
        "{t_setting} and {t_setting}.",
        "Each organisation had its own {noun}, its own {noun} and its own view of the "
        "problem, and {t_people} experienced the result as {adj} and slow.",
        "The starting point was a simple question from {a_role}: how much do we all spend on "
        "{t_word} in {place}, and what do we get for it?",
        "Between {year_before} and {year}, spending on {t_word} across the public services in "
        "{region} rose steadily while outcomes for {t_people} barely changed.",
        "Like many areas, {place} faced rising demand for {t_word}, an ageing workforce and a "
        "budget that had to shrink by {pct} per cent over {duration}.",
        "Partners agreed that no single organisation could solve {t_problem} alone.",
        "Earlier attempts to tackle {t_problem} had produced {adj} pilots that were never "
        "mainstreamed.",
        "An audit of {n_word} case files found that {t_people} had been assessed an average of "
        "{small_num} times by different agencies in a single year.",
        "In a typical week, the {t_service} in {place} received about {num} referrals, most of "
        "them from {t_setting}.",
        "{t_staff} knew that {t_problem} and {t_problem} were linked, but the budgets for "
        "each sat in different organisations.",
        "{body} identified {t_word} as one of the area's {n_word} priorities for {year}.",
        "Much of the money was spent late, on {t_problem}, rather than early, on {t_activity}.",
        "National reforms to {t_word} in {year} prompted partners in {region} to rethink how "
        "they worked together.",
        "In wards such as {ward} and {ward}, {t_problem} was well above the {place} average.",
        "Residents of the {ward} estate named {t_problem} as their biggest worry in a survey "
        "of {num} households.",
        "Staff in {ward} spent much of their time on {detail} and {t_detail} rather than on "
        "the people in front of them.",
        "The work also had to meet the new duties in {law}.",
        "{review_name} had argued for exactly this kind of change in {t_word}.",
        "Records were held in {n_word} systems, including {system} and {system}, none of which "
        "could talk to the others.",
    ],
    "action": [
        "{lead} set up {a_adj} {t_service} in {year}, bringing together {t_staff} from "
        "{lead_ref} and {partner}.",
        "{connector} the team {v_past} {obj} and {v_past} {obj}.",
        "Referrals now go through one front door, and {t_people} have a single named worker "
        "who coordinates {t_word} and {t_word}.",
        "The partners pooled their budgets for {t_word} into a fund of {money}, managed by {body}.",
        "They started small, with {num} {t_people} in {n_word} wards, and extended the "
        "approach once the first results were in.",
        "{t_staff} were trained in {method_name} and given time to {v_base} {obj}.",
        "The service works from {t_setting}, which made it easier for {t_people} to get help "
        "without a formal referral.",
        "{partner} seconded {n_word} staff to the team, and {partner2} paid for {a_adj} "
        "{noun} for the first {first_span}.",
        "Instead of {v_ing} {obj}, the team {v_past} {obj}.",
        "A steering group chaired by {a_role} met every {freq} to {v_base} {obj} and remove "
        "barriers.",
        "The team used {method} to understand how {t_people} experienced {t_word} and where "
        "the system let them down.",
        "Information sharing was agreed through {a_adj} protocol signed by all {n_word} partners.",
        "{lead} {v_past} {obj}, which freed up about {money} for {t_activity}.",
        "Key activities included {t_activity}, {t_activity} and {t_activity}.",
        "The approach focused on {t_activity} rather than waiting for {t_problem} to reach "
        "crisis point.",
        "Funding came from {programme} and from the partners' own budgets, with {lead} acting "
        "as the accountable body.",
        "{t_staff} and {t_staff} were co-located at {t_setting} so that they could plan their "
        "work together.",
        "Over {duration}, the team {v_past} {obj}, {v_past} {obj} and {v_past} {obj}.",
        "Volunteers from local charities helped with {t_activity}.",
        "The work was phased: first {t_activity}, then {t_activity}, and finally {t_activity}.",
        "Partners also {v_past} {obj} in {place2}, where {t_problem} had been hardest to tackle.",
        "A small project team of {n_word} people, led by {a_role}, ran the work day to day.",
        "{lead_ref} {v_past} its approach to {service_other} and {service_other} at the same "
        "time, so that savings from one could help fund the other.",
        "Data from {n_word} organisations was matched to find the {num} {t_people} with the "
        "highest needs.",
        "Weekly case meetings brought {t_staff} and {t_staff} together to agree one plan for "
        "each person.",
        "The {t_service} is open {hours}, and {t_people} can refer themselves.",
        "Staff {adv} {v_past} {obj} and stopped {v_ing} {obj}.",
        "A shared budget of {money} paid for {t_activity} and {t_activity} during the pilot.",
        "The council {v_past} {obj} with {partner}, using {a_adj} {noun} agreed by both cabinets.",
        "Every new case is discussed within {hours_short} by a panel that includes {t_staff}, "
        "{t_staff} and {t_staff}.",
        "The pilot started in {month} {year} in {ward}, one of the most deprived wards in {place}.",
        "Known locally as Project {codename}, the work was run from a former shop on {street} "
        "in {ward}.",
        "The team held {event} and {event} in {ward} and {ward} to find out what mattered to "
        "{t_people}.",
        "Small practical things mattered: {t_detail}, {detail} and {detail} were paid for "
        "from a budget of {money_small}.",
        "{t_staff} were given {detail} and {detail} so that they could work from {t_setting}.",
        "From {month} {year2}, {t_people} in {ward} could arrange {t_detail} by phone, online "
        "or in person.",
        "Project {codename} brought {t_staff}, {t_staff} and volunteers together at {street}.",
        "Drop-in sessions run every {freq} at {venue} and {venue}.",
        "Case records moved to {system}, which {t_staff} can update from {t_setting}.",
        "The first team was based at {venue}, close to the {ward} and {ward} estates.",
    ],
    "partnership": [
        "{partner} joined the partnership in {year2}, and {partner2} followed soon after.",
        "The partners signed {a_adj} agreement setting out who would pay for what and how any "
        "savings would be shared.",
        "{body} oversaw the work and reported to each partner's cabinet or board every {freq}.",
        "Relationships between {lead_ref} and {partner} were {rel_adj} at first, but "
        "improved as staff worked side by side.",
        "Elected members in {place} and {place2} agreed to {v_base} {obj} together.",
        "{group} were involved from the start, through workshops, surveys and {a_adj} "
        "citizens' panel.",
        "The work drew on support from {evaluator}, which helped partners to {v_base} {obj}.",
        "Senior leaders from each organisation met every {freq} to review progress and "
        "unblock problems.",
        "{partner} brought expertise in {t_word}, while {lead_ref} brought its knowledge of "
        "{service_other} and local communities.",
        "The partnership now includes {n_word} organisations across {region}, from "
        "{partner} to small community groups.",
        "Each partner nominated a senior sponsor, and the sponsors met as {body}.",
        "{group} and {group} helped design the service, testing early versions in {place2}.",
        "Partners met every {freq} at {street} in {place}, and held {event} for staff from "
        "every organisation.",
    ],
    "barrier": [
        "Progress was slowed by {barrier} and {barrier}.",
        "The biggest obstacle was {barrier}, which took {duration} to resolve.",
        "{barrier} meant that the team had to {v_base} {obj} by hand for the first few months.",
        "Not everything went to plan: {barrier} delayed the launch by {n_word} months.",
        "What helped most was {enabler}, together with {enabler}.",
        "{enabler} made it possible to {v_base} {obj} without waiting for a restructure.",
        "Staff were worried about {barrier}, and it took honest conversations to move past it.",
        "The problem of {barrier} has not gone away, and partners are still working on it "
        "with {evaluator}.",
        "Without {enabler}, partners say, the work would have stalled in the first year.",
    ],
    "outcome": [
        "{t_metric} fell by {pct} per cent within {duration}.",
        "The partners estimate savings of {money} a year, mostly from the fall in {t_metric}.",
        "Around {big_num} {t_people} were supported in the first year.",
        "An evaluation by {evaluator} found a {pct} per cent fall in {t_metric} and {gen_outcome}.",
        "{ratio} {t_people} said the service had made a real difference to them.",
        "The service cost {money_pair}.",
        "Waiting times for the {t_service} fell {wait_change}.",
        "Staff report {gen_outcome}, {gen_outcome} and {gen_outcome}.",
        "The approach has since been adopted in {place2} and {place3}.",
        "{t_metric} are now {pct} per cent below the {year} baseline.",
        "The number of {t_people} needing {t_word} fell {count_change}.",
        "Savings of {money} were achieved over {duration}, with more expected as the "
        "service grows.",
        "Not all the expected benefits have appeared yet: {t_metric} have been harder to "
        "shift than hoped.",
        "The partners reinvested {money} of the savings in {t_activity}.",
        "Satisfaction among {t_people} rose {pct_change}.",
        "{lead} now spends {pct} per cent less on {t_word} than it did in {year}.",
        "{gen_outcome} and {gen_outcome} were reported by staff in every partner organisation.",
        "The {t_service} now handles {num} cases a month with {small_num} fewer staff than before.",
        "Every pound invested returned an estimated {pounds_return} in avoided costs across "
        "health, the council and the police.",
        "In {year2}, the service helped {t_people} to {t_benefit} in {big_num} cases.",
        "In {ward}, {t_metric} fell by {pct} per cent, the largest fall anywhere in {place}.",
        "More than {num} residents came to {event} in the first year.",
        "By {month} {year2}, the {t_service} had supported {big_num} {t_people}.",
        "Spending on {t_detail} fell by {money_small} a year once the partners bought them "
        "together.",
    ],
    "learning": [
        "The main lesson, partners say, is that {lesson}.",
        "Looking back, the team would have involved {group} earlier.",
        "Others thinking of doing the same should {advice}.",
        "As one {role} put it: \u201c{quote}\u201d",
        "\u201c{quote_clause},\u201d said {a_role} from {partner}.",
        "The work showed that {lesson}, and that {lesson}.",
        "Partners are now sharing what they learned through the {region} community of practice.",
        "A learning history, written with participants in {year2}, records how {lesson}.",
        "Project {codename} is now being extended from {ward} to the rest of {place}.",
        "Partners see the work as a practical way of meeting {law}.",
    ],
    "method_what": [
        "{method_title} is a structured way of looking at {t_word} from the point of view of "
        "{t_people}.",
        "It was first used in {place} as part of {programme}, and has since been adapted by "
        "{n_word} other areas.",
        "The method brings together {t_staff}, {group} and {group} to {v_base} {obj}.",
        "It produces {a_adj} picture of where money and effort go, and of what {t_people} "
        "actually experience.",
        "Unlike {method}, it looks at the whole system rather than one organisation.",
        "It works best when {condition}.",
        "A typical exercise takes {short_span} and needs one facilitator and a small team.",
        "In {place}, it was first tried in the {ward} ward in {month} {year}.",
        "It helps partners show how they meet {law}.",
        "The output is a short report for {body}, with two or three options for change.",
    ],
    "method_when": [
        "Use it when {t_problem} is rising and nobody can say why.",
        "It is most useful early on, before {body} commits money to {a_adj} {noun}.",
        "It also helps when partners disagree about where {t_problem} comes from.",
        "Places have used it to prepare a business case, to settle arguments about data and "
        "to restart stalled partnerships.",
        "Avoid it when the answer is already known and the task is simply to deliver.",
        "It suits work on {t_word}, {t_word} and {t_word} equally well.",
    ],
    "method_step": [
        "Agree the scope with {body}: which {t_people}, which services and which budgets.",
        "Collect spending and activity data from every partner, using {a_adj} template.",
        "Map {n_word} typical journeys through {t_setting}, from first contact to outcome.",
        "Interview {t_people} and {t_staff} about what happened and why.",
        "Bring the partners together in a workshop to {v_base} {obj}.",
        "Identify where money and effort are wasted, and estimate the cost of each.",
        "Choose {n_word} changes to test, with a named owner for each.",
        "Test them for {short_span}, measuring {t_metric} before and after.",
        "Report back to {body} with a recommendation to stop, adapt or scale up.",
        "Write up what you learned and share it with {group}.",
        "Check the figures with finance officers in each organisation before publishing them.",
        "Repeat the exercise a year later to see whether {t_metric} have changed.",
    ],
    "method_pitfall": [
        "Counting everything: {a_adj} count of the main budgets is enough to start.",
        "Leaving out {group}, who often know where the waste is.",
        "Treating it as a one-off exercise rather than a habit.",
        "Underestimating the time needed to get data from {partner_generic}.",
        "Letting one organisation own the findings, so that others feel judged.",
        "Jumping to solutions before the journeys of {t_people} are understood.",
    ],
    "aim": [
        "Reduce {t_metric} across {region} by {pct} per cent by {year_future}.",
        "Create {a_adj} {t_service} for {t_people} in every local authority area in {region}.",
        "Show what is best delivered locally, regionally and nationally.",
        "Cut duplication between {lead_ref} and {partner} in {t_activity}.",
        "Agree a single approach to {t_activity} across {n_word} councils.",
        "Release {money} a year from {t_word} for reinvestment in prevention.",
        "Build the evidence base on {t_word} through a shared data set.",
        "Help {t_people} to {t_benefit}.",
        "Share what works with other public services across {nation}.",
        "Reduce the number of {t_people} who experience {t_problem}.",
        "Test whether {t_activity} can be done once for the whole region.",
    ],
    "counting": [
        "A high-level count of the money spent on {t_people} by councils, health, police and "
        "the third sector put the total at about {money} a year.",
        "Partners agreed to count {t_metric} and costs in the same way, so that savings could "
        "be added up without counting anything twice.",
        "The count showed that {pct} per cent of the spending went on {t_problem}.",
        "A benefits realisation plan tracks {t_metric} every {freq} against the {year} baseline.",
    ],
    "culture": [
        "Leaders from each organisation committed to {v_base} {obj} together.",
        "{t_staff} are given time to reflect on cases together, supported by a learning historian.",
        "The project is working on {barrier} through joint training and shared supervision.",
        "A community of practice meets every {freq} to share what is working.",
    ],
    "customers": [
        "Customer journey mapping with {t_people} showed {n_word} points at which people were "
        "passed from one service to another.",
        "{t_people} and {group} are involved in designing each change before it is tested.",
        "Insight work in {place} and {place2} found that {t_people} wanted {gen_outcome} above "
        "all.",
    ],
    "governance": [
        "{body} is the accountable body, and each partner has a named sponsor.",
        "A project manager funded by the partners reports to {body} every {freq}.",
        "Decisions about money are made jointly, under {a_adj} agreement signed in {year2}.",
    ],
    "summary": [
        "{lead} and {partners} {v_past} {obj} so that {t_people} could {t_benefit}.",
        "How {place} {v_past} {t_topic} by {t_activity}, saving about {money} a year.",
        "{a_t_service} in {place} that cut {t_metric} by {pct} per cent within {duration}.",
        "Partners in {place} joined up {t_word} and {t_word} for {t_people}, and {t_metric} "
        "fell by {pct} per cent.",
        "{place} brought {t_staff} and {t_staff} together so that {t_people} could {t_benefit}.",
        "What {lead} learned from {t_activity}, and what it saved.",
    ],
    "method_summary": [
        "{a_adj} method for {v_ing} {obj}, first used in {place} to tackle {t_problem}.",
        "How to run {method_title_lower}: a step-by-step guide for partners working on {t_word}.",
        "A way of understanding {t_problem} from the point of view of {t_people}, with a "
        "step-by-step guide.",
    ],
    "project_summary": [
        "A {region} project to reduce {t_problem} by {t_activity}, led by {lead} with {partners}.",
        "A high-impact project in {region}: {t_activity}, so that {t_people} can {t_benefit}.",
        "Partners across {region} working together on {t_topic}, led by {lead}.",
    ],
}


# --- Text machinery ---------------------------------------------------------------------------


class Pool:
    """Words or phrases picked with Zipf-like weights: entry n is chosen in proportion to n^-s."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, items: Sequence[str], exponent: float = 0.9) -> None:
        if not items:
            raise ValueError("A pool needs at least one item.")
        unique = list(dict.fromkeys(items))
        self.items = tuple(Template(item) if "{" in item else item for item in unique)
        weights = (1 / (rank**exponent) for rank in range(1, len(unique) + 1))
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, ctx: DocumentContext) -> str:
        item = self.items[bisect_right(self.cum, ctx.rng.random() * self.total)]
        return item if type(item) is str else item.render(ctx)


_SLOT = re.compile(r"\{([a-z_0-9]+)\}")
_AN_EXCEPTIONS = ("one", "uni", "use", "usu", "euro", "Euro", "Uni")
_AN_WORDS = ("hour", "honest", "NHS", "HR", "ICT", "A&E")


def with_article(phrase: str) -> str:
    """'a' or 'an' in front of a phrase, as a person would say it."""
    if phrase.startswith(_AN_WORDS):
        return "an " + phrase
    if phrase[:1] in "aeiouAEIOU" and not phrase.startswith(_AN_EXCEPTIONS):
        return "an " + phrase
    return "a " + phrase


class Template:
    """A sentence with {slots}; a slot named `a_<slot>` gets 'a' or 'an' in front of its value."""

    __slots__ = ("parts",)

    def __init__(self, text: str) -> None:
        pieces = _SLOT.split(text)
        parts: list[tuple[str, str, bool]] = []
        for i in range(0, len(pieces), 2):
            name = pieces[i + 1] if i + 1 < len(pieces) else ""
            article = name.startswith("a_")
            parts.append((pieces[i], name[2:] if article else name, article))
        self.parts = tuple(parts)

    def render(self, ctx: DocumentContext) -> str:
        out = []
        used: set[str] = set()
        for literal, name, article in self.parts:
            out.append(literal)
            if name:
                value = SLOTS[name](ctx)
                tries = 0
                while value in used and tries < 4:  # not "falls and falls": pick again
                    value = SLOTS[name](ctx)
                    tries += 1
                used.add(value)
                out.append(with_article(value) if article else value)
        return "".join(out)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# Verb forms: (base, past, -ing). Phrasal verbs conjugate their first word.
_IRREGULAR = {
    "set": ("set", "setting"),
    "cut": ("cut", "cutting"),
    "build": ("built", "building"),
    "bring": ("brought", "bringing"),
    "rethink": ("rethought", "rethinking"),
    "underwrite": ("underwrote", "underwriting"),
}
_DOUBLE = {
    "map",
    "plan",
    "commit",
    "scrap",
    "drop",
    "step",
    "trim",
    "refer",
    "embed",
    "transfer",
    "trial",
}


def _verb_forms(base: str) -> tuple[str, str, str]:
    head, _, rest = base.partition(" ")
    tail = f" {rest}" if rest else ""
    if head in _IRREGULAR:
        past, ing = _IRREGULAR[head]
    elif head in _DOUBLE:
        past, ing = head + head[-1] + "ed", head + head[-1] + "ing"
    elif head.endswith("ee"):
        past, ing = head + "d", head + "ing"
    elif head.endswith("e"):
        past, ing = head + "d", head[:-1] + "ing"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        past, ing = head[:-1] + "ied", head + "ing"
    else:
        past, ing = head + "ed", head + "ing"
    return base, past + tail, ing + tail


_VERBS = [_verb_forms(v) for v in _split(GENERAL["verb"])]
_GENERAL_POOLS = {key: Pool(_split(value)) for key, value in GENERAL.items() if key != "verb"}
_VERB_BASE = Pool([v[0] for v in _VERBS])
_VERB_PAST = Pool([v[1] for v in _VERBS])
_VERB_ING = Pool([v[2] for v in _VERBS])
_TEMPLATES = {key: [Template(t) for t in items] for key, items in TEMPLATES.items()}
_TITLE_ADJ = Pool(TITLE_ADJ, exponent=0.7)
_TITLE_FORMAT = Pool(TITLE_FORMAT, exponent=0.8)
_FORMAT_WORDS = {word for fmt in TITLE_FORMAT for word in fmt.split() if word != "of"}
_FORMAT_WORDS |= {word + "s" for word in _FORMAT_WORDS}
_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_RATIOS = ("Two in three", "Three in four", "Four in five", "Nine in ten", "Most", "Almost all")


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


_NOUNS_PLURAL = Pool([_plural(n) for n in _split(GENERAL["noun"])])


class ThemeVocabulary:
    """The pools for one theme."""

    ROLES = (
        "people",
        "services",
        "staff",
        "activities",
        "problems",
        "metrics",
        "settings",
        "words",
        "topics",
        "benefits",
        "tags",
        "details",
    )

    def __init__(self, slug: str, name: str) -> None:
        data = THEMES.get(slug) or _fallback_theme(name)
        self.pools = {role: Pool(_split(data[role])) for role in self.ROLES}
        self.tags = _split(data["tags"])


def _money(rng: random.Random) -> str:
    """A money figure as these reports write them: £950, £45,000, £230k, £1.4m, £12m."""
    exponent = rng.uniform(4.0, 7.4)
    value = 10**exponent
    if value >= 10_000_000:
        return f"£{value / 1_000_000:.0f}m"
    if value >= 1_000_000:
        return f"£{value / 1_000_000:.1f}m".replace(".0m", "m")
    if value >= 100_000 and rng.random() < 0.5:
        return f"£{round(value / 1000):,}k"
    return f"£{round(value, -3 if value >= 10_000 else -2):,.0f}"


def _obj(ctx: DocumentContext) -> str:
    """A noun phrase a verb can act on: 'the existing budgets', 'the referral process'..."""
    rng = ctx.rng
    roll = rng.random()
    if roll < 0.22:
        return "the " + _GENERAL_POOLS["noun"].pick(ctx)
    if roll < 0.38:
        return "the existing " + _NOUNS_PLURAL.pick(ctx)
    if roll < 0.55:
        return _GENERAL_POOLS["adj"].pick(ctx) + " " + _NOUNS_PLURAL.pick(ctx)
    if roll < 0.67:
        return with_article(
            _GENERAL_POOLS["adj"].pick(ctx) + " " + _GENERAL_POOLS["noun"].pick(ctx)
        )
    if roll < 0.80:
        return "the " + ctx.theme_pick("services")
    if roll < 0.90:
        return "the way the area handled " + ctx.theme_pick("words")
    return _GENERAL_POOLS["mass"].pick(ctx) + " for " + ctx.theme_pick("people")


def _year_after(ctx: DocumentContext, low: int, high: int) -> str:
    return str(min(2025, ctx.year_start + ctx.rng.randint(low, high)))


def _two_sorted(ctx: DocumentContext, low: int, high: int) -> tuple[int, int]:
    a, b = ctx.rng.randint(low, high), ctx.rng.randint(low, high)
    while a == b:
        b = ctx.rng.randint(low, high)
    return min(a, b), max(a, b)


def _wait_change(ctx: DocumentContext) -> str:
    short, long = _two_sorted(ctx, 1, 26)
    return f"from {long} weeks to {short}"


def _count_change(ctx: DocumentContext) -> str:
    low, high = _two_sorted(ctx, 40, 900)
    return f"from {high} to {low}"


def _pct_change(ctx: DocumentContext) -> str:
    low, high = _two_sorted(ctx, 35, 96)
    return f"from {low} per cent to {high} per cent"


def _money_pair(ctx: DocumentContext) -> str:
    rng = ctx.rng
    cost = rng.randint(3, 95) * 10_000
    return f"£{cost:,} and avoided costs of around £{cost * rng.randint(2, 6):,}"


SLOTS: dict[str, Callable[[DocumentContext], str]] = {
    **{key: pool.pick for key, pool in _GENERAL_POOLS.items()},
    "nouns": _NOUNS_PLURAL.pick,
    "v_base": _VERB_BASE.pick,
    "v_past": _VERB_PAST.pick,
    "v_ing": _VERB_ING.pick,
    "obj": _obj,
    "rel_adj": lambda ctx: ctx.rng.choice(("strained", "cautious", "formal", "distant", "tense")),
    "hours": lambda ctx: ctx.rng.choice(
        ("seven days a week", "from 8am to 8pm", "around the clock", "on weekdays")
    ),
    "hours_short": lambda ctx: ctx.rng.choice(("24 hours", "48 hours", "two working days")),
    "t_people": lambda ctx: ctx.theme_pick("people"),
    "t_service": lambda ctx: ctx.theme_pick("services"),
    "t_staff": lambda ctx: ctx.theme_pick("staff"),
    "t_activity": lambda ctx: ctx.theme_pick("activities"),
    "t_problem": lambda ctx: ctx.theme_pick("problems"),
    "t_metric": lambda ctx: ctx.theme_pick("metrics"),
    "t_setting": lambda ctx: ctx.theme_pick("settings"),
    "t_word": lambda ctx: ctx.theme_pick("words"),
    "t_topic": lambda ctx: ctx.theme_pick("topics"),
    "t_benefit": lambda ctx: ctx.theme_pick("benefits"),
    "place": lambda ctx: ctx.place,
    "place2": lambda ctx: ctx.other_places[0],
    "place3": lambda ctx: ctx.rng.choice(ctx.other_places),
    "ward": lambda ctx: ctx.wards.pick(ctx),
    "venue": lambda ctx: _VENUE_POOL.pick(ctx),
    "saint": lambda ctx: _SAINT_POOL.pick(ctx),
    "law": lambda ctx: ctx.national["law"].pick(ctx),
    "review_name": lambda ctx: ctx.national["review"].pick(ctx),
    "system": lambda ctx: ctx.national["system"].pick(ctx),
    "codename": lambda ctx: ctx.codename,
    "t_detail": lambda ctx: ctx.theme_pick("details"),
    "money_small": lambda ctx: f"£{ctx.rng.randint(2, 60) * 500:,}",
    "region": lambda ctx: ctx.region,
    "nation": lambda ctx: ctx.nation,
    "lead": lambda ctx: ctx.lead,
    "lead_ref": lambda ctx: ctx.lead_ref,
    "partner": lambda ctx: ctx.partner(0),
    "partner2": lambda ctx: ctx.partner(1),
    "partners": lambda ctx: ctx.partners_phrase,
    "partner_generic": lambda ctx: ctx.rng.choice(ctx.generic_partners),
    "year": lambda ctx: str(ctx.year_start),
    "year2": lambda ctx: _year_after(ctx, 1, 2),
    "year_future": lambda ctx: str(ctx.year_start + ctx.rng.randint(3, 6)),
    "year_before": lambda ctx: str(ctx.year_start - ctx.rng.randint(2, 5)),
    "num": lambda ctx: str(ctx.rng.randint(12, 480)),
    "small_num": lambda ctx: ctx.rng.choice(_NUMBER_WORDS[1:]),
    "n_word": lambda ctx: ctx.rng.choice(_NUMBER_WORDS[:6]),
    "quote_clause": lambda ctx: _GENERAL_POOLS["quote"].pick(ctx).rstrip("."),
    "big_num": lambda ctx: f"{round(10 ** ctx.rng.uniform(2.0, 4.4), -1):,.0f}",
    "pct": lambda ctx: str(ctx.rng.randint(3, 62)),
    "money": lambda ctx: _money(ctx.rng),
    "money_pair": _money_pair,
    "pounds_return": lambda ctx: f"£{ctx.rng.randint(2, 9)}.{ctx.rng.randint(0, 9)}0",
    "population": lambda ctx: f"{ctx.rng.randint(45, 420) * 1000:,}",
    "ratio": lambda ctx: ctx.rng.choice(_RATIOS),
    "wait_change": _wait_change,
    "count_change": _count_change,
    "pct_change": _pct_change,
    "method_title": lambda ctx: ctx.method_title,
    "method_title_lower": lambda ctx: ctx.method_title[:1].lower() + ctx.method_title[1:],
}


# --- The taxonomy the documents are classified by --------------------------------------------


@dataclass
class RegionInfo:
    pk: int
    parent_id: int | None
    name: str
    kind: str
    short: str


@dataclass
class OrganisationInfo:
    pk: int
    name: str
    kind: str
    region_id: int | None


_WARD_PARTS = {
    "England": (
        _split(
            "Oak|Ash|Elm|Birch|Mill|Brook|Church|Kings|Queens|Stan|Hay|Holly|Brad|Wood|Marsh|"
            "Fair|Green|High|Long|New|Old|Red|White|Black|Lime|Rose|Thorn|Sand|Stone|Har|"
            "Bright|Cold|Hart|Fox|Orchard|Beech|Haw|Wick|Bury|Chester|Lang|Whit|Sutton|Norton|"
            "Weston|Easton|Hazel|Willow|Cherry|Castle|Alder|Bark|Bel|Brent|Broad|Burn|Cam|Chap|"
            "Clay|Cran|Crow|Dun|Ea|Eller|Farn|Fern|Ford|Frog|Gold|Gorse|Gras|Hal|Ham|Hen|Hol|"
            "Horn|Ivy|Kil|Kirk|Lark|Lea|Lock|Mar|Mead|Med|Nether|Ox|Pen|Pick|Pond|Rad|Raven|"
            "Rush|Salt|Shel|Shep|Shir|Sel|Sker|Stan|Steep|Stock|Swan|Thorn|Wal|Whin|Wil|Wind"
        ),
        _split(
            "field|wood|ton|ley|bury|ham|bridge|gate|hill|side|moor|ford|well|dale|worth|combe|"
            "stead|hurst|mere|holme|thorpe|wick|cote|den|green|lands|park|vale|croft|brook|"
            "borough|bourne|by|caster|don|end|fold|grove|heath|hope|low|marsh|minster|ridge|"
            "shaw|stow|thwaite|wold|water|leigh"
        ),
    ),
    "Wales": (
        _split(
            "Aber|Bryn|Cwm|Llan|Pen|Tre|Pont|Caer|Glan|Nant|Maes|Coed|Rhos|Gwaun|Cefn|Bod|"
            "Dol|Hafod|Pant|Tal|Blaen|Bont|Carn|Clyd|Craig|Cross|Dyffryn|Ffyn|Gelli|Hen|Llys|"
            "Mynydd|Porth|Rhyd|Tir|Ynys|Gorse|Fferm|Graig|Heol"
        ),
        _split(
            "gwyn|du|mawr|fach|teg|isaf|uchaf|newydd|celyn|derw|onnen|y-bont|yr-afon|las|ddu|"
            "wen|hir|aur|goch|lwyd|gam|deg|hyfryd|wern|dwr|fryn|felin|hendre|garth|llwyn|hafod|"
            "castell"
        ),
    ),
}

_SAINTS = _split(
    "David|Mary|Teilo|Illtyd|Cadoc|Woolos|Julian|Joseph|Peter|Paul|Andrew|John|Michael|"
    "Margaret|Anne|Bride|Patrick|George|Helen|Dyfrig|Gwladys|Tydfil|Asaph|Deiniol|Cybi|"
    "Catherine|Luke|Mark|Matthew|Thomas|Hilda|Chad|Aidan|Cuthbert|Oswald|Edmund|Alban"
)
_VENUES = (
    "{ward} Community Centre|{ward} Library|{ward} Leisure Centre|{ward} Family Centre|the "
    "{ward} Hub|{ward} Health Centre|{ward} Court|{ward} Youth Centre|{ward} Primary School|"
    "the {ward} Institute|{ward} Methodist Hall|{ward} Resource Centre|{ward} House|the Old "
    "Library in {ward}|{ward} Working Men's Club|St {saint}'s Church Hall|St {saint}'s Primary "
    "School|St {saint}'s Court"
)

# Laws, reviews and systems reports mention, by nation: rare words every real corpus has.
NATIONAL: dict[str, dict[str, str]] = {
    "Wales": {
        "law": "the Social Services and Well-being (Wales) Act 2014|the Well-being of Future "
        "Generations (Wales) Act 2015|the Housing (Wales) Act 2014|the Local Government (Wales) "
        "Measure 2009|the Additional Learning Needs and Education Tribunal (Wales) Act 2018|the "
        "Violence against Women, Domestic Abuse and Sexual Violence (Wales) Act 2015|the Welsh "
        "Language Standards|the Environment (Wales) Act 2016|the Active Travel (Wales) Act 2013|"
        "the Renting Homes (Wales) Act 2016|the Mental Health (Wales) Measure 2010",
        "review": "the Williams Commission|the Beecham review|the Simpson report|the Parliamentary "
        "Review of Health and Social Care|A Healthier Wales|Prosperity for All|the Hill review "
        "of education|the Wanless review|the Auditor General's report|the Bevan Commission",
        "system": "WCCIS|Paris|Myrddin|CareFirst|Northgate|Civica|Agresso|Oracle|Capita One|"
        "Microsoft Dynamics|Uniform|Lagan|Firmstep|Salesforce",
    },
    "England": {
        "law": "the Care Act 2014|the Children and Families Act 2014|the Localism Act 2011|the "
        "Health and Social Care Act 2012|the Homelessness Reduction Act 2017|the Equality Act "
        "2010|the Public Services (Social Value) Act 2012|the Children Act 2004|the Welfare "
        "Reform Act 2012|the Domestic Abuse Act 2021|the Offender Rehabilitation Act 2014|the "
        "Environment Act 2021|the Crime and Disorder Act 1998|the Mental Capacity Act 2005",
        "review": "the Marmot review|the Dilnot Commission|the Barker review|the Munro review|"
        "the Allen review of early intervention|the Casey review|the Lammy review|the Corston "
        "report|the Lyons inquiry|the Leitch review|the Taylor review|the Hackitt review|"
        "the Wanless review|the Bradley report",
        "system": "Mosaic|LiquidLogic|Rio|SystmOne|EMIS|CareFirst|Northgate|Civica|Agresso|"
        "Oracle|Capita One|Microsoft Dynamics|Uniform|Lagan|Firmstep|Salesforce|Frameworki",
    },
}
_NATIONAL_POOLS = {
    nation: {key: Pool(_split(value), exponent=0.7) for key, value in pools.items()}
    for nation, pools in NATIONAL.items()
}
_VENUE_POOL = Pool(_split(_VENUES), exponent=0.6)
_SAINT_POOL = Pool(_SAINTS, exponent=0.6)


def ward_names(place: str, nation: str) -> list[str]:
    """Thirty invented ward, estate and village names for a place, the same every time.

    Real reports name the wards and estates where work started: every place gets its own set
    of proper nouns, used with Zipf-like weights, so that the corpus has the long tail of rare
    words that real text has and that search has to cope with.
    """
    heads, tails = _WARD_PARTS.get(nation, _WARD_PARTS["England"])
    rng = random.Random(f"wards:{place}")  # noqa: S311 - reproducible names, not secrets  # nosec B311
    names = [f"{place} Central", f"North {place}"]
    for _ in range(60):
        name = _cap(rng.choice(heads).lower() + rng.choice(tails))
        if name not in names:
            names.append(name)
        if len(names) == 32:
            break
    rng.shuffle(names)
    return names


def short_place_name(name: str) -> str:
    """'London Borough of Croydon area' -> 'Croydon'; 'South East Wales (Gwent)' -> 'Gwent'."""
    name = name.removeprefix("London Borough of ").removesuffix(" area")
    match = re.search(r"\(([^)]+)\)$", name)
    return match.group(1) if match else name


@dataclass
class Taxonomy:
    """Everything a document can be classified by, read once, in a stable (slug) order.

    Reading by slug rather than id keeps the output of a seed the same on any database that
    has the same taxonomy.
    """

    themes: list[tuple[int, str, str]]
    regions: dict[int, RegionInfo]
    organisations: list[OrganisationInfo]
    delivery_levels: list[tuple[int, str]]
    transformation_models: list[int]

    @classmethod
    def load(cls) -> Taxonomy:
        themes = list(Theme.objects.order_by("slug").values_list("pk", "slug", "name"))
        regions = {
            pk: RegionInfo(pk, parent_id, name, kind, short_place_name(name))
            for pk, parent_id, name, kind in Region.objects.order_by("slug").values_list(
                "pk", "parent_id", "name", "kind"
            )
        }
        organisations = [
            OrganisationInfo(*row)
            for row in Organisation.objects.order_by("slug").values_list(
                "pk", "name", "kind", "region_id"
            )
        ]
        missing = [
            label
            for label, rows in (
                ("themes", themes),
                ("regions", regions),
                ("organisations", organisations),
            )
            if not rows
        ]
        if missing:
            raise SyntheticContentError(
                f"There are no {', '.join(missing)} to classify documents by. "
                "Run `manage.py load_demo_content` first."
            )
        return cls(
            themes=themes,
            regions=regions,
            organisations=organisations,
            delivery_levels=list(
                DeliveryLevel.objects.order_by("order", "slug").values_list("pk", "slug")
            ),
            transformation_models=list(
                TransformationModel.objects.order_by("slug").values_list("pk", flat=True)
            ),
        )


# --- One document -----------------------------------------------------------------------------


@dataclass(slots=True)
class Document:
    """One synthetic page, ready to be written."""

    seq: int
    kind: str
    title: str
    slug: str
    summary: str
    fields: dict[str, Any]
    theme_ids: list[int]
    region_ids: list[int]
    organisation_ids: list[int]
    tags: list[str]
    delivery_level_id: int | None
    transformation_model_id: int | None
    year_start: int
    year_end: int | None
    published_at: dt.datetime
    words: int


_ORG_REFERENCE = {
    "council": "the council",
    "health": "the health board",
    "police": "the police",
    "fire": "the fire service",
    "third_sector": "the charity",
    "central_government": "the government department",
    "partnership": "the partnership",
}


class DocumentContext:
    """The state of one document while its text is written: its place, partners and theme."""

    __slots__ = (
        "active",
        "codename",
        "generic_partners",
        "lead",
        "lead_ref",
        "method_title",
        "nation",
        "national",
        "other_places",
        "partner_names",
        "partners_phrase",
        "place",
        "region",
        "rng",
        "secondary",
        "theme",
        "used",
        "wards",
        "words",
        "year_start",
    )

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = 0
        self.method_title = ""
        self.used: set[Template] = set()

    def theme_pick(self, role: str) -> str:
        return self.active.pools[role].pick(self)

    def partner(self, index: int) -> str:
        if index < len(self.partner_names):
            return self.partner_names[index]
        return self.rng.choice(self.generic_partners)

    def sentences(
        self, category: str, count: int, *, ordered: bool = False, mix: bool = True
    ) -> list[str]:
        """`count` sentences from one category, rendered and counted.

        A template is used at most once per document (while the category has unused ones), so
        a page never says the same thing twice. Most sentences use the main theme's words; with
        `mix`, some use a secondary theme's, a sentence at a time so that each stays coherent.
        `ordered` keeps the category's own order (the steps of a method).
        """
        pool = _TEMPLATES[category]
        rng, used = self.rng, self.used
        chosen: list[int] = []
        for _ in range(count):
            index = rng.randrange(len(pool))
            tries = 0
            while (pool[index] in used or index in chosen) and tries < 6:
                index = rng.randrange(len(pool))
                tries += 1
            chosen.append(index)
            used.add(pool[index])
        if ordered:
            chosen.sort()
        out = []
        for index in chosen:
            if mix and self.secondary and rng.random() < 0.2:
                self.active = rng.choice(self.secondary)
            else:
                self.active = self.theme
            sentence = _cap(pool[index].render(self))
            self.words += sentence.count(" ") + 1
            out.append(sentence)
        self.active = self.theme
        return out


class DocumentFactory:
    """Makes document number `seq` for a seed, the same every time.

    Each document has its own random generator seeded from (seed, seq), so document 5,001 is
    the same whether it was made in a run of 10,000 or appended to an earlier run of 5,000.
    """

    def __init__(self, taxonomy: Taxonomy, seed: int) -> None:
        self.seed = seed
        self.taxonomy = taxonomy
        self.vocab = {pk: ThemeVocabulary(slug, name) for pk, slug, name in taxonomy.themes}
        self.theme_names = {pk: name for pk, _slug, name in taxonomy.themes}
        regions = taxonomy.regions
        self.areas = [r for r in regions.values() if r.kind == Region.Kind.AREA] or list(
            regions.values()
        )
        self.bigger = [r for r in regions.values() if r.kind != Region.Kind.AREA] or self.areas
        # Some places publish far more than others: weight places by a fixed shuffled rank.
        order = list(self.areas)
        random.Random(0).shuffle(order)  # noqa: S311 - a fixed, reproducible order  # nosec B311
        self.area_pool = order
        self.area_cum = list(itertools.accumulate(1 / (r**0.6) for r in range(1, len(order) + 1)))
        self.children: dict[int | None, list[RegionInfo]] = {}
        for region in regions.values():
            self.children.setdefault(region.parent_id, []).append(region)
        self._wards: dict[int, Pool] = {}
        self.orgs_in: dict[int, list[OrganisationInfo]] = {}
        for org in taxonomy.organisations:
            for pk in self.ancestors(org.region_id):
                self.orgs_in.setdefault(pk, []).append(org)
        self.tag_pool = Pool(GENERAL_TAGS, exponent=0.8)
        self.all_tags = sorted({t for v in self.vocab.values() for t in v.tags} | set(GENERAL_TAGS))
        levels = taxonomy.delivery_levels
        weights = {"neighbourhood": 2, "local": 5, "regional": 2, "national": 1}
        self.levels = [pk for pk, _slug in levels]
        self.level_weights = [weights.get(slug, 2) for _pk, slug in levels]

    def wards(self, place: RegionInfo, nation: str) -> Pool:
        if place.pk not in self._wards:
            self._wards[place.pk] = Pool(ward_names(place.short, nation), exponent=0.8)
        return self._wards[place.pk]

    def ancestors(self, region_id: int | None) -> list[int]:
        """The region and every region around it (its own id first)."""
        out = []
        while region_id is not None and region_id in self.taxonomy.regions:
            out.append(region_id)
            region_id = self.taxonomy.regions[region_id].parent_id
        return out

    def _nation(self, region: RegionInfo) -> RegionInfo:
        chain = self.ancestors(region.pk)
        return self.taxonomy.regions[chain[-1]]

    def _places(self, rng: random.Random) -> list[RegionInfo]:
        """1-3 places, mostly local areas, usually neighbours (so the region tree matters)."""
        if rng.random() < 0.9:
            primary = self.area_pool[bisect_right(self.area_cum, rng.random() * self.area_cum[-1])]
        else:
            primary = rng.choice(self.bigger)
        places = [primary]
        siblings = [r for r in self.children.get(primary.parent_id, []) if r.pk != primary.pk]
        for _ in range(rng.choices((0, 1, 2), (55, 33, 12))[0]):
            if siblings and rng.random() < 0.8:
                candidate = rng.choice(siblings)
            elif primary.parent_id is not None and rng.random() < 0.5:
                candidate = self.taxonomy.regions[primary.parent_id]
            else:
                candidate = rng.choice(self.areas)
            if candidate not in places:
                places.append(candidate)
        return places

    def _organisations(
        self, rng: random.Random, places: list[RegionInfo]
    ) -> list[OrganisationInfo]:
        """1-3 organisations, led by one based in the main place (or the region around it)."""
        primary = places[0]
        nearby: list[OrganisationInfo] = []
        for pk in self.ancestors(primary.pk):
            nearby = self.orgs_in.get(pk, [])
            if nearby:
                break
        lead_candidates = [o for o in nearby if o.region_id == primary.pk] or nearby
        lead_candidates = lead_candidates or self.taxonomy.organisations
        councils = [o for o in lead_candidates if o.kind == "council"]
        lead = rng.choice(councils if councils and rng.random() < 0.7 else lead_candidates)
        orgs = [lead]
        wider: list[OrganisationInfo] = []
        if primary.parent_id is not None:
            wider = self.orgs_in.get(primary.parent_id, [])
        for _ in range(rng.choices((0, 1, 2), (30, 45, 25))[0]):
            source = wider if wider and rng.random() < 0.9 else self.taxonomy.organisations
            candidate = rng.choice(source)
            if candidate not in orgs:
                orgs.append(candidate)
        return orgs

    def make(self, seq: int) -> Document:
        rng = random.Random(self.seed * 1_000_003 + seq)  # noqa: S311 - reproducible text  # nosec B311
        kind = _KIND_CYCLE[seq % len(_KIND_CYCLE)]
        ctx = DocumentContext(rng)

        themes = self.taxonomy.themes
        primary_theme = themes[rng.randrange(len(themes))][0]
        theme_ids = [primary_theme]
        for _ in range(rng.choices((0, 1, 2), (45, 40, 15))[0]):
            other = themes[rng.randrange(len(themes))][0]
            if other not in theme_ids:
                theme_ids.append(other)
        ctx.theme = ctx.active = self.vocab[primary_theme]
        ctx.secondary = [self.vocab[pk] for pk in theme_ids[1:]]

        places = self._places(rng)
        orgs = self._organisations(rng, places)
        primary = places[0]
        nation = self._nation(primary)
        parent = self.taxonomy.regions.get(primary.parent_id) if primary.parent_id else None
        ctx.place = primary.short
        ctx.region = (parent or primary).short
        ctx.nation = nation.name
        neighbours = [r.short for r in self.children.get(primary.parent_id, []) if r is not primary]
        others = [p.short for p in places[1:]] + rng.sample(neighbours, min(4, len(neighbours)))
        ctx.other_places = list(dict.fromkeys(others)) or [ctx.region]
        ctx.wards = self.wards(primary, nation.name)
        ctx.national = _NATIONAL_POOLS.get(nation.name, _NATIONAL_POOLS["England"])
        ctx.codename = _GENERAL_POOLS["codename"].pick(ctx)
        ctx.lead = orgs[0].name
        ctx.lead_ref = _ORG_REFERENCE.get(orgs[0].kind, "the lead organisation")
        ctx.partner_names = [o.name for o in orgs[1:]]
        health = "the local health board" if nation.name == "Wales" else "the local NHS trust"
        ctx.generic_partners = [
            health,
            "the police",
            "local housing associations",
            "the voluntary sector",
            "the fire and rescue service",
        ]
        ctx.partners_phrase = (
            " and ".join(ctx.partner_names) if ctx.partner_names else "its partners"
        )

        year_start = rng.randint(2005, 2025)
        year_end = min(2025, year_start + rng.randint(1, 5)) if rng.random() < 0.45 else None
        ctx.year_start = year_start

        if kind == METHOD:
            title, fields = self._method(ctx)
            summary_category = "method_summary"
        elif kind == PROJECT:
            title, fields = self._project(ctx, orgs, year_end)
            summary_category = "project_summary"
        else:
            title, fields = self._case_study(ctx, primary)
            summary_category = "summary"
        body_words = ctx.words
        summary = ctx.sentences(summary_category, 1, mix=False)[0]

        tags: list[str] = []
        wanted = rng.randint(2, 6)
        for _ in range(30):
            if len(tags) == wanted:
                break
            roll = rng.random()
            if roll < 0.55:
                tag = ctx.theme.pools["tags"].pick(ctx)
            elif roll < 0.7 and ctx.secondary:
                tag = rng.choice(ctx.secondary).pools["tags"].pick(ctx)
            else:
                tag = self.tag_pool.pick(ctx)
            if tag not in tags:
                tags.append(tag)

        first = dt.datetime(max(year_start, 2008), 1, 1, tzinfo=dt.UTC)
        span = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC) - first).total_seconds()
        published_at = first + dt.timedelta(seconds=rng.random() * span)

        return Document(
            seq=seq,
            kind=kind,
            title=title,
            slug=f"{SLUG_PREFIX}{seq:07d}-{slugify(title)[:60].strip('-')}",
            summary=summary,
            fields=fields,
            theme_ids=theme_ids,
            region_ids=[p.pk for p in places],
            organisation_ids=[o.pk for o in orgs],
            tags=tags,
            delivery_level_id=self._delivery_level(rng, places),
            transformation_model_id=(
                rng.choice(self.taxonomy.transformation_models)
                if self.taxonomy.transformation_models and rng.random() < 0.4
                else None
            ),
            year_start=year_start,
            year_end=year_end,
            published_at=published_at,
            words=body_words,
        )

    def _delivery_level(self, rng: random.Random, places: list[RegionInfo]) -> int | None:
        if not self.levels:
            return None
        if len(places) > 1 and len(self.levels) > 2 and rng.random() < 0.5:
            return self.levels[2]  # several places: usually regional (ordered by `order`)
        return rng.choices(self.levels, self.level_weights)[0]

    def _topic_title(self, ctx: DocumentContext) -> str:
        rng = ctx.rng
        topic = ctx.theme.pools["topics"].pick(ctx)
        adj = _TITLE_ADJ.pick(ctx)
        # "team around the family" is already a team: no "team around the family team".
        fmt = "" if _FORMAT_WORDS & set(topic.split()) else " " + _TITLE_FORMAT.pick(ctx)
        roll = rng.random()
        if roll < 0.45:
            return f"{ctx.place} {adj} {topic}{fmt}"
        if roll < 0.7:
            return f"{ctx.place}: {with_article(adj + ' ' + topic + fmt)}"
        if roll < 0.85:
            return _cap(f"{topic}{fmt} in {ctx.place}")
        return f"{ctx.place} and {ctx.other_places[0]} {adj} {topic}{fmt}"

    def _fill(
        self, ctx: DocumentContext, target: int, paragraphs: list[list[str]], extra: list[str]
    ) -> None:
        """Add sentences to the paragraphs, round robin, until the text reaches `target` words."""
        i = 0
        while ctx.words < target and i < 12:
            category = extra[i % len(extra)]
            paragraphs[i % len(paragraphs)].extend(ctx.sentences(category, 1))
            i += 1

    def _case_study(self, ctx: DocumentContext, primary: RegionInfo) -> tuple[str, dict]:
        rng = ctx.rng
        title = self._topic_title(ctx)
        target = rng.randint(400, 600)
        background = ctx.sentences("background", 3)
        action = ctx.sentences("action", 4)
        joint = ctx.sentences("partnership", 2) + ctx.sentences("barrier", 2)
        learning = ctx.sentences("learning", 2)
        bullets = ctx.sentences("outcome", rng.randint(3, 5))
        closing = ctx.sentences("outcome", 1) + ctx.sentences("learning", 1)
        self._fill(ctx, target, [action, background, joint], ["action", "background", "barrier"])
        what_they_did = "\n\n".join(" ".join(p) for p in (background, action, joint, learning))
        outcomes = (
            f"Partners report the following results for {ctx.place}.\n\n"
            + "\n".join(f"- {b}" for b in bullets)
            + "\n\n"
            + " ".join(closing)
        )
        ctx.words += 6
        return title, {
            "place_id": primary.pk,
            "what_they_did": what_they_did,
            "outcomes": outcomes,
            "contact_route": f"{ctx.lead}'s {_GENERAL_POOLS['team_ref'].pick(ctx)}, through its "
            "main enquiries line",
            "source": "Synthetic benchmark content, generated by `manage.py generate_content`.",
        }

    def _project(
        self, ctx: DocumentContext, orgs: list[OrganisationInfo], year_end: int | None
    ) -> tuple[str, dict]:
        rng = ctx.rng
        topic = ctx.theme.pools["topics"].pick(ctx)
        roll = rng.random()
        if roll < 0.4:
            title = f"{ctx.region} {topic} programme"
        elif roll < 0.7:
            title = f"{ctx.region}: {with_article(_TITLE_ADJ.pick(ctx) + ' ' + topic)} project"
        else:
            title = _cap(f"{topic} high-impact project ({ctx.region})")
        target = rng.randint(400, 600)
        intro = ctx.sentences("background", 2)
        aims = ctx.sentences("aim", rng.randint(4, 6))
        sections = [
            ("Counting", ctx.sentences("counting", 2)),
            ("Culture", ctx.sentences("culture", 2)),
            ("Customers", ctx.sentences("customers", 2)),
            ("Governance", ctx.sentences("governance", 1) + ctx.sentences("partnership", 1)),
        ]
        delivery = ctx.sentences("action", 3)
        self._fill(ctx, target, [delivery, sections[0][1], sections[2][1]], ["action", "barrier"])
        aims_text = " ".join(intro) + "\n\n" + "\n".join(f"- {a}" for a in aims)
        approach = "\n\n".join(
            [" ".join(delivery)] + [f"**{name}.** " + " ".join(text) for name, text in sections]
        )
        status = "completed" if year_end else rng.choice(("active", "active", "planning"))
        return title, {
            "lead_organisation_id": orgs[0].pk,
            "status": status,
            "lead_role": f"Project lead, {_GENERAL_POOLS['role'].pick(ctx)} at {ctx.lead}",
            "manager_role": "Project manager funded by the partners in the region",
            "contact_route": f"Through {ctx.lead}'s {_GENERAL_POOLS['team_ref'].pick(ctx)}",
            "aims": aims_text,
            "approach": approach,
        }

    def _method(self, ctx: DocumentContext) -> tuple[str, dict]:
        rng = ctx.rng
        name = _GENERAL_POOLS["method_name"].pick(ctx)
        topic = ctx.theme.pools["topics"].pick(ctx)
        roll = rng.random()
        if roll < 0.5:
            title = _cap(f"{name} for {topic}")
        elif roll < 0.8:
            title = _cap(f"{name}: a guide for {topic} partnerships")
        else:
            title = _cap(f"{name} ({ctx.place} version)")
        ctx.method_title = _cap(name)
        target = rng.randint(400, 600)
        what = ctx.sentences("method_what", 4)
        when = ctx.sentences("method_when", 2)
        steps = ctx.sentences("method_step", rng.randint(5, 8), ordered=True)
        pitfalls = ctx.sentences("method_pitfall", rng.randint(2, 4))
        used = ctx.sentences("action", 2) + ctx.sentences("outcome", 1)
        self._fill(ctx, target, [used], ["action", "outcome", "learning"])
        body = (
            "## What it is\n\n"
            + " ".join(what)
            + "\n\n## When to use it\n\n"
            + " ".join(when)
            + "\n\n## How to run it\n\n"
            + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))
            + "\n\n## Where it has been used\n\n"
            + " ".join(used)
            + "\n\n## Pitfalls\n\n"
            + "\n".join(f"- {p}" for p in pitfalls)
        )
        ctx.words += 15
        workstream = rng.choice(("counting", "culture", "customers", ""))
        return title, {"workstream": workstream, "body": body}


# --- Writing to the database ------------------------------------------------------------------


@dataclass
class Section:
    """Where one kind of document goes: its index page and page model."""

    kind: str
    model: type[KnowledgePage]
    parent: Page
    content_type_id: int
    next_step: int = 0


def find_sections() -> dict[str, Section]:
    """The three index pages synthetic documents live under; an error says what to run if not."""
    wanted = [
        (CASE_STUDY, CaseStudyPage, CaseStudyIndexPage, "/case-studies/"),
        (PROJECT, HighImpactProjectPage, ProjectIndexPage, "/projects/"),
        (METHOD, MethodPage, MethodIndexPage, "/methods/"),
    ]
    sections, missing = {}, []
    for kind, model, index_model, where in wanted:
        parent = index_model.objects.order_by("path").first()
        if parent is None:
            missing.append(f"{index_model._meta.verbose_name} ({where})")
            continue
        sections[kind] = Section(
            kind, model, Page.objects.get(pk=parent.pk), ContentType.objects.get_for_model(model).pk
        )
    if missing:
        raise SyntheticContentError(
            f"The site has no {', '.join(missing)}. Run `manage.py setup_site` first."
        )
    return sections


def synthetic_pages(sections: Iterable[Section]) -> models.QuerySet:
    """Every synthetic page: a `synthetic-` slug directly under one of the sections."""
    query = models.Q()
    for section in sections:
        query |= models.Q(path__startswith=section.parent.path, depth=section.parent.depth + 1)
    return Page.objects.filter(query, slug__startswith=SLUG_PREFIX)


def last_sequence_number(sections: Iterable[Section]) -> int:
    """The highest document number used so far (slugs carry it, zero-padded), or 0."""
    slugs = synthetic_pages(sections).order_by("-slug").values_list("slug", flat=True)
    best = 0
    for slug in slugs.iterator(chunk_size=100):
        match = SLUG_NUMBER.match(slug)
        if match:
            best = max(best, int(match.group(1)))
            break
    return best


class _Inserter:
    """INSERTs rows into one table with executemany, filling unlisted columns with defaults.

    Columns come from the model, so a field added later gets its default rather than breaking
    the generator; a new required field without a default stops it with a clear error.
    """

    def __init__(
        self, model: type[models.Model], columns: Sequence[str], prepare: Sequence[str] = ()
    ) -> None:
        given = {f.attname: f for f in model._meta.local_concrete_fields if f.attname in columns}
        unknown = set(columns) - set(given)
        if unknown:
            raise SyntheticContentError(f"{model.__name__} has no fields {sorted(unknown)}.")
        defaults: list[tuple[str, Any]] = []
        for f in model._meta.local_concrete_fields:
            if f.attname in given or isinstance(f, AutoFieldMixin):
                continue
            if f.unique or not (f.has_default() or f.null or f.empty_strings_allowed):
                raise SyntheticContentError(
                    f"{model.__name__}.{f.name} needs a value of its own on every row; teach "
                    "cop_site/demo/synthetic.py how to fill it."
                )
            defaults.append((f.column, f.get_db_prep_save(f.get_default(), connection)))
        qn = connection.ops.quote_name
        names = [given[c].column for c in columns] + [column for column, _v in defaults]
        self.tail = tuple(value for _c, value in defaults)
        # Values the database driver cannot take as they are (UUIDs, aware datetimes on SQLite).
        self.prepare = [(columns.index(name), given[name]) for name in prepare]
        self.sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(n) for n in names)}) "  # noqa: S608 - names come from model metadata
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )

    def insert(self, rows: Iterable[tuple]) -> None:
        tail = self.tail
        if self.prepare:
            rows = [self._prepare(row) for row in rows]
        params = [row + tail for row in rows]
        if params:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, params)

    def _prepare(self, row: tuple) -> tuple:
        values = list(row)
        for index, model_field in self.prepare:
            values[index] = model_field.get_db_prep_save(values[index], connection)
        return tuple(values)


def _ensure_tags(names: Iterable[str]) -> dict[str, int]:
    """Tag ids for the pool, creating missing ones once (matched case-insensitively, as taggit)."""
    by_name = {name.lower(): pk for pk, name in Tag.objects.values_list("pk", "name")}
    by_slug = dict(Tag.objects.values_list("slug", "pk"))
    slugs: dict[str, str] = {}
    new: dict[str, Tag] = {}
    for name in names:
        slug = slugify(name)
        if name.lower() in by_name or not slug:
            continue
        slugs[name] = slug
        if slug not in by_slug and slug not in new:
            new[slug] = Tag(name=name, slug=slug)
    if new:
        Tag.objects.bulk_create(new.values())
        by_slug.update(Tag.objects.filter(slug__in=new).values_list("slug", "pk"))
    return {
        name: by_name[name.lower()] if name.lower() in by_name else by_slug[slugs[name]]
        for name in names
        if name.lower() in by_name or name in slugs
    }


def _path_step(number: int) -> str:
    """Treebeard's step for the nth child: base 36 in Page.alphabet, Page.steplen characters."""
    alphabet, steplen = Page.alphabet, Page.steplen
    if number >= len(alphabet) ** steplen:
        raise SyntheticContentError(
            f"A section cannot hold more than {len(alphabet) ** steplen - 1:,} pages."
        )
    out = []
    for _ in range(steplen):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(reversed(out))


def _last_child_step(parent: Page) -> int:
    last = (
        Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    return int(last[-Page.steplen :], len(Page.alphabet)) if last else 0


@dataclass
class GenerateReport:
    """What a run made and how long the parts took."""

    created: dict[str, int] = field(default_factory=dict)
    words: int = 0
    first_seq: int = 0
    existing: int = 0
    seconds: float = 0.0
    text_seconds: float = 0.0
    db_seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.created.values())


# The page-type fields each kind of document fills (everything else gets its default).
SPECIFIC_COLUMNS = {
    CASE_STUDY: ["place_id", "what_they_did", "outcomes", "contact_route", "source"],
    PROJECT: [
        "lead_organisation_id",
        "status",
        "lead_role",
        "manager_role",
        "contact_route",
        "aims",
        "approach",
    ],
    METHOD: ["workstream", "body"],
}


PAGE_COLUMNS = [
    "path", "depth", "numchild", "title", "draft_title", "slug", "url_path", "content_type_id",
    "locale_id", "translation_key", "live", "has_unpublished_changes", "first_published_at",
    "last_published_at",
]  # fmt: skip


class _BatchWriter:
    """Writes batches of documents: Page rows, child table rows, relations and tags."""

    def __init__(self, sections: dict[str, Section], tag_ids: dict[str, int]) -> None:
        self.sections = sections
        self.tag_ids = tag_ids
        for section in sections.values():
            section.next_step = _last_child_step(section.parent) + 1
        # wagtailcore_page rows are written like the others: building Page instances for
        # bulk_create made the database side nearly twice as slow (see the module docstring).
        self.pages = _Inserter(
            Page,
            PAGE_COLUMNS,
            prepare=["translation_key", "first_published_at", "last_published_at"],
        )
        self.knowledge = _Inserter(
            KnowledgePage,
            [
                "page_ptr_id",
                "summary",
                "year_start",
                "year_end",
                "delivery_level_id",
                "transformation_model_id",
            ],
        )
        self.specific = {
            kind: _Inserter(sections[kind].model, ["knowledgepage_ptr_id", *columns])
            for kind, columns in SPECIFIC_COLUMNS.items()
        }
        through = KnowledgePage._meta.get_field
        self.relations = [
            (_Inserter(through(name).remote_field.through, ["knowledgepage_id", column]), attr)
            for name, column, attr in (
                ("themes", "theme_id", "theme_ids"),
                ("regions", "region_id", "region_ids"),
                ("organisations", "organisation_id", "organisation_ids"),
            )
        ]
        self.tags = _Inserter(KnowledgePageTag, ["content_object_id", "tag_id"])

    def write(self, docs: list[Document]) -> None:
        rows = []
        ranges: dict[int, tuple[Section, str, str, int]] = {}
        for doc in docs:
            section = self.sections[doc.kind]
            parent = section.parent
            path = parent.path + _path_step(section.next_step)
            section.next_step += 1
            _section, first, _last, count = ranges.get(parent.pk, (section, path, path, 0))
            ranges[parent.pk] = (section, first, path, count + 1)
            rows.append(
                (
                    path,
                    parent.depth + 1,
                    0,
                    doc.title,
                    doc.title,
                    doc.slug,
                    f"{parent.url_path}{doc.slug}/",
                    section.content_type_id,
                    parent.locale_id,
                    uuid.uuid4(),
                    True,
                    False,
                    doc.published_at,
                    doc.published_at,
                )
            )
        self.pages.insert(rows)
        # The new rows' ids, by path: each section's new pages are one contiguous path range.
        ids: dict[str, int] = {}
        for section, first, last, _count in ranges.values():
            ids.update(
                Page.objects.filter(
                    path__gte=first, path__lte=last, depth=section.parent.depth + 1
                ).values_list("path", "pk")
            )
        page_ids = [ids[row[0]] for row in rows]

        self.knowledge.insert(
            (
                pk,
                doc.summary,
                doc.year_start,
                doc.year_end,
                doc.delivery_level_id,
                doc.transformation_model_id,
            )
            for pk, doc in zip(page_ids, docs, strict=True)
        )
        for kind, inserter in self.specific.items():
            columns = SPECIFIC_COLUMNS[kind]
            inserter.insert(
                (pk, *(doc.fields[c] for c in columns))
                for pk, doc in zip(page_ids, docs, strict=True)
                if doc.kind == kind
            )
        for inserter, attr in self.relations:
            inserter.insert(
                (pk, value)
                for pk, doc in zip(page_ids, docs, strict=True)
                for value in getattr(doc, attr)
            )
        self.tags.insert(
            (pk, self.tag_ids[tag])
            for pk, doc in zip(page_ids, docs, strict=True)
            for tag in doc.tags
            if tag in self.tag_ids
        )
        for section, _first, _last, count in ranges.values():
            Page.objects.filter(pk=section.parent.pk).update(numchild=F("numchild") + count)


def generate(
    scale: int,
    seed: int = 1,
    batch_size: int = 2000,
    progress: Callable[[int, int, float], None] | None = None,
) -> GenerateReport:
    """Create `scale` synthetic pages, numbered after any that exist, in committed batches.

    Each batch is one transaction that also bumps the parents' `numchild`, so the page tree is
    valid after every batch and an interrupted run leaves only whole batches behind.
    """
    sections = find_sections()
    taxonomy = Taxonomy.load()
    factory = DocumentFactory(taxonomy, seed)
    report = GenerateReport()
    report.existing = synthetic_pages(sections.values()).count()
    report.first_seq = last_sequence_number(sections.values()) + 1
    with transaction.atomic():
        tag_ids = _ensure_tags(factory.all_tags)
    writer = _BatchWriter(sections, tag_ids)
    started = time.perf_counter()
    done = 0
    for start in range(0, scale, batch_size):
        count = min(batch_size, scale - start)
        t0 = time.perf_counter()
        docs = [factory.make(report.first_seq + start + i) for i in range(count)]
        t1 = time.perf_counter()
        with transaction.atomic():
            writer.write(docs)
        t2 = time.perf_counter()
        report.text_seconds += t1 - t0
        report.db_seconds += t2 - t1
        for doc in docs:
            report.created[doc.kind] = report.created.get(doc.kind, 0) + 1
            report.words += doc.words
        done += count
        if progress:
            progress(done, scale, time.perf_counter() - started)
    report.seconds = time.perf_counter() - started
    return report


# --- Removing synthetic pages -----------------------------------------------------------------


@dataclass
class ClearReport:
    deleted: int = 0
    deleted_one_by_one: int = 0
    seconds: float = 0.0


def _page_models() -> list[type[models.Model]]:
    return [Page, KnowledgePage, CaseStudyPage, MethodPage, HighImpactProjectPage]


def _bulk_relations() -> tuple[list[tuple[str, str]], list[ForeignObjectRel]]:
    """Tables a bulk delete may clear, and relations that need Wagtail's own delete instead.

    The first list holds the rows the generator writes (many-to-many and tag rows) and any
    other many-to-many rows pointing at these page types: deleting those is all a normal
    delete would do. Anything else pointing at a page (a revision, a savings record, a
    featured item, a child page) means someone has worked with it, so that page is deleted
    the slow, thorough way.
    """
    own_tables = {m._meta.db_table for m in _page_models()}
    bulk: list[tuple[str, str]] = []
    others: list[ForeignObjectRel] = []
    for model in _page_models():
        for rel in model._meta.get_fields(include_hidden=True):
            if not (rel.auto_created and not rel.concrete) or rel.many_to_many:
                continue
            related = rel.related_model
            if related._meta.db_table in own_tables:
                continue  # the page tables themselves (parent links, aliases): handled below
            if related._meta.auto_created or related is KnowledgePageTag:
                bulk.append((related._meta.db_table, rel.field.column))
            else:
                others.append(rel)
    return bulk, others


def _entangled_ids(ids_query: models.QuerySet) -> set[int]:
    """Synthetic pages something else refers to, which need Wagtail's own delete."""
    _bulk, others = _bulk_relations()
    found: set[int] = set()
    for rel in others:
        found.update(
            rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": ids_query})
            .values_list(rel.field.attname, flat=True)
            .distinct()
        )
    as_text = ids_query.annotate(text_id=Cast("pk", models.CharField(max_length=50))).values(
        "text_id"
    )
    page_type = ContentType.objects.get_for_model(Page)
    for model in (Revision, WorkflowState):
        found.update(
            int(pk)
            for pk in model._base_manager.filter(
                base_content_type=page_type, object_id__in=as_text
            ).values_list("object_id", flat=True)
        )
    found.update(ids_query.filter(numchild__gt=0).values_list("pk", flat=True))
    found.update(Page.objects.filter(alias_of__in=ids_query).values_list("alias_of_id", flat=True))
    return found


def clear_synthetic(chunk_size: int = 900) -> ClearReport:
    """Delete every synthetic page quickly, with plain DELETEs, and fix the parents' numchild.

    Wagtail's delete works page by page (signals, search index, descendants): 70 ms a page
    measured here, about two hours for 100,000 pages; this takes about 25 s. Synthetic pages
    nobody has touched only have the rows the generator wrote, plus search index and reference
    index rows, so those are removed directly; pages that have gathered anything else (a
    revision, a child page, a savings record...) are deleted through Wagtail.
    """
    started = time.perf_counter()
    sections = find_sections()
    report = ClearReport()
    query = synthetic_pages(sections.values())
    entangled = _entangled_ids(query.values("pk"))
    for page in Page.objects.filter(pk__in=entangled).specific():
        page.delete()
        report.deleted_one_by_one += 1

    bulk, _others = _bulk_relations()
    qn = connection.ops.quote_name
    page_tables = [
        (m._meta.db_table, m._meta.pk.column)
        for m in (CaseStudyPage, MethodPage, HighImpactProjectPage, KnowledgePage, Page)
    ]
    content_types = [ct.pk for ct in ContentType.objects.get_for_models(*_page_models()).values()]
    page_type = ContentType.objects.get_for_model(Page).pk
    for section in sections.values():
        ids = list(
            synthetic_pages([section]).exclude(pk__in=entangled).values_list("pk", flat=True)
        )
        for start in range(0, len(ids), chunk_size):
            chunk = ids[start : start + chunk_size]
            marks = ", ".join(["%s"] * len(chunk))
            text_ids = [str(pk) for pk in chunk]
            with transaction.atomic(), connection.cursor() as cursor:
                for table, column in bulk + page_tables:
                    cursor.execute(
                        f"DELETE FROM {qn(table)} WHERE {qn(column)} IN ({marks})",  # noqa: S608 - names from model metadata
                        chunk,
                    )
                # Derived rows keyed by text ids: Wagtail's search index (an SQLite trigger
                # clears its full-text table too) and the reference index.
                cursor.execute(
                    f"DELETE FROM {qn(IndexEntry._meta.db_table)} WHERE content_type_id IN "  # noqa: S608
                    f"({', '.join(['%s'] * len(content_types))}) AND object_id IN ({marks})",
                    [*content_types, *text_ids],
                )
                cursor.execute(
                    f"DELETE FROM {qn(ReferenceIndex._meta.db_table)} "  # noqa: S608
                    f"WHERE base_content_type_id = %s AND object_id IN ({marks})",
                    [page_type, *text_ids],
                )
                Page.objects.filter(pk=section.parent.pk).update(
                    numchild=F("numchild") - len(chunk)
                )
            report.deleted += len(chunk)
    report.deleted += report.deleted_one_by_one
    report.seconds = time.perf_counter() - started
    return report
