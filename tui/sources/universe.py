"""The demo market's reference data: real US-listed tickers with names and GICS sectors, the
indices and rates of the Indices pane, and the 11 sector SPDR ETFs. No I/O.

Names, sectors and index memberships are as of early 2026. Everything else here (reference prices,
share counts, floats, typical volumes, betas, volatilities, short-interest levels) is a set of
*synthetic-market parameters*: plausible magnitudes for early 2026 that let the demo market look
like a real one. They are not market data and make no claim about any company; every screen that
shows the demo says DEMO.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tui.sources.base import SymbolInfo

IT = "Information Technology"
FIN = "Financials"
HC = "Health Care"
CD = "Consumer Discretionary"
CS = "Consumer Staples"
EN = "Energy"
IND = "Industrials"
MAT = "Materials"
UT = "Utilities"
RE = "Real Estate"
COM = "Communication Services"

#: The 11 GICS sectors, in the order of `tui.config.DEFAULT_SECTORS`.
SECTORS: tuple[str, ...] = (IT, FIN, HC, CD, CS, EN, IND, MAT, UT, RE, COM)


@dataclass(frozen=True, slots=True)
class StockParams:
    """Synthetic-market parameters of one stock (magnitudes, not data)."""

    symbol: str
    price: float  # reference price in USD: the demo's last close before its session date
    shares_outstanding: float  # shares
    float_shares: float  # shares available to trade, <= shares_outstanding
    avg_volume: float  # typical daily volume, shares
    beta: float  # loading on the market factor
    idio_vol: float  # idiosyncratic daily volatility, as a fraction (0.012 = 1.2 %)
    short_pct_float: float  # typical short interest, fraction of float (0.25 = 25 %)
    in_sp500: bool
    in_nasdaq100: bool
    in_dow: bool


@dataclass(frozen=True, slots=True)
class FundParams:
    """Synthetic-market parameters of a sector ETF or an index."""

    symbol: str
    level: float  # reference level: the demo's last close before its session date
    avg_volume: float | None  # typical daily volume in shares; None for indices (no shares)


# symbol, name, sector, price $, shares out (M), float (M), avg volume (M/day), beta,
# idiosyncratic vol (% a day), short interest (% of float), index memberships
# (S = S&P 500, N = Nasdaq-100, D = Dow Jones Industrial Average).
_StockRow = tuple[str, str, str, float, float, float, float, float, float, float, str]
_STOCK_ROWS: tuple[_StockRow, ...] = (
    ("AAPL", "Apple Inc.", IT, 276, 14780, 14760, 48, 1.10, 0.9, 0.8, "SND"),
    ("MSFT", "Microsoft Corporation", IT, 412, 7433, 7390, 30, 1.00, 0.9, 0.9, "SND"),
    ("NVDA", "NVIDIA Corporation", IT, 182, 24300, 23400, 175, 1.55, 1.6, 1.1, "SND"),
    ("AVGO", "Broadcom Inc.", IT, 318, 4740, 4620, 24, 1.45, 1.9, 1.4, "SN"),
    ("ORCL", "Oracle Corporation", IT, 152, 2870, 1690, 28, 1.30, 2.0, 1.9, "S"),
    ("CRM", "Salesforce, Inc.", IT, 188, 955, 940, 10, 1.15, 1.6, 1.6, "SD"),
    ("ADBE", "Adobe Inc.", IT, 268, 420, 418, 5.0, 1.10, 1.5, 1.7, "SN"),
    ("INTU", "Intuit Inc.", IT, 478, 279, 274, 2.4, 1.15, 1.5, 1.3, "SN"),
    ("NOW", "ServiceNow, Inc.", IT, 118, 1040, 1035, 12, 1.20, 1.7, 1.5, "S"),
    ("AMD", "Advanced Micro Devices, Inc.", IT, 205, 1630, 1620, 48, 1.70, 2.4, 2.3, "SN"),
    ("MU", "Micron Technology, Inc.", IT, 345, 1120, 1115, 30, 1.60, 2.6, 2.6, "SN"),
    ("TSM", "Taiwan Semiconductor Mfg. Co. (ADR)", IT, 325, 5190, 5190, 14, 1.30, 1.7, 0.6, ""),
    ("ANET", "Arista Networks, Inc.", IT, 128, 1260, 1040, 10, 1.50, 2.4, 1.6, "S"),
    ("SMCI", "Super Micro Computer, Inc.", IT, 32, 597, 520, 30, 1.90, 4.0, 16.0, "S"),
    ("DELL", "Dell Technologies Inc.", IT, 118, 680, 330, 7, 1.40, 2.3, 4.0, "S"),
    ("CSCO", "Cisco Systems, Inc.", IT, 80, 3950, 3940, 22, 0.90, 1.1, 1.1, "SND"),
    ("IBM", "International Business Machines Corp.", IT, 295, 935, 930, 5, 0.80, 1.3, 2.3, "SD"),
    ("QCOM", "Qualcomm Incorporated", IT, 158, 1075, 1070, 9, 1.30, 1.7, 1.6, "SN"),
    ("TXN", "Texas Instruments Incorporated", IT, 188, 908, 905, 7, 1.10, 1.5, 1.9, "SN"),
    ("INTC", "Intel Corporation", IT, 42, 4760, 4750, 95, 1.30, 2.6, 3.0, "SN"),
    ("AMAT", "Applied Materials, Inc.", IT, 245, 795, 790, 7, 1.50, 2.0, 1.6, "SN"),
    ("LRCX", "Lam Research Corporation", IT, 178, 1260, 1255, 11, 1.60, 2.2, 2.0, "SN"),
    ("KLAC", "KLA Corporation", IT, 1280, 132, 131, 1.1, 1.40, 1.9, 1.5, "SN"),
    ("ADI", "Analog Devices, Inc.", IT, 275, 492, 490, 3.6, 1.10, 1.5, 1.4, "SN"),
    ("MRVL", "Marvell Technology, Inc.", IT, 82, 862, 855, 16, 1.70, 2.8, 3.2, "SN"),
    ("PANW", "Palo Alto Networks, Inc.", IT, 178, 700, 690, 7, 1.10, 1.7, 3.1, "SN"),
    ("CRWD", "CrowdStrike Holdings, Inc.", IT, 420, 252, 245, 3.5, 1.30, 2.2, 2.6, "SN"),
    ("SNOW", "Snowflake Inc.", IT, 185, 338, 320, 6, 1.40, 2.6, 3.4, ""),
    ("PLTR", "Palantir Technologies Inc.", IT, 145, 2370, 2130, 55, 2.00, 3.2, 2.4, "SN"),
    ("WDAY", "Workday, Inc.", IT, 178, 265, 210, 4.5, 1.10, 1.8, 2.5, "SN"),
    ("ADSK", "Autodesk, Inc.", IT, 255, 213, 212, 2.0, 1.10, 1.6, 1.6, "SN"),
    ("FTNT", "Fortinet, Inc.", IT, 78, 765, 625, 6, 1.10, 1.9, 3.0, "SN"),
    ("DDOG", "Datadog, Inc.", IT, 118, 350, 320, 5, 1.40, 2.5, 3.3, "SN"),
    ("SHOP", "Shopify Inc.", IT, 125, 1300, 1220, 10, 1.70, 2.8, 2.1, "N"),
    ("ACN", "Accenture plc", IT, 245, 625, 623, 4, 0.90, 1.3, 1.5, "S"),
    ("CDNS", "Cadence Design Systems, Inc.", IT, 285, 272, 271, 2.0, 1.20, 1.7, 1.8, "SN"),
    ("TEAM", "Atlassian Corporation", IT, 118, 262, 170, 3.5, 1.30, 2.6, 3.8, "N"),
    ("NET", "Cloudflare, Inc.", IT, 178, 348, 300, 3.5, 1.50, 2.8, 3.9, ""),
    ("SOUN", "SoundHound AI, Inc.", IT, 11, 420, 400, 45, 2.30, 5.0, 31.0, ""),
    ("AI", "C3.ai, Inc.", IT, 13, 140, 125, 9, 2.00, 4.2, 27.0, ""),
    ("IONQ", "IonQ, Inc.", IT, 38, 340, 325, 30, 2.40, 5.5, 19.0, ""),
    ("MSTR", "Strategy Inc", IT, 135, 285, 265, 18, 2.30, 4.2, 11.0, "N"),
    ("GOOGL", "Alphabet Inc. (Class A)", COM, 328, 5820, 5780, 38, 1.05, 1.2, 0.9, "SN"),
    ("META", "Meta Platforms, Inc.", COM, 690, 2520, 2180, 14, 1.25, 1.4, 1.2, "SN"),
    ("NFLX", "Netflix, Inc.", COM, 86, 4230, 4200, 40, 1.20, 1.9, 1.6, "SN"),
    ("DIS", "The Walt Disney Company", COM, 110, 1800, 1795, 9, 1.00, 1.4, 1.0, "SD"),
    ("CMCSA", "Comcast Corporation", COM, 29, 3700, 3690, 30, 0.80, 1.4, 1.6, "SN"),
    ("T", "AT&T Inc.", COM, 25, 7150, 7140, 35, 0.60, 1.1, 1.3, "S"),
    ("VZ", "Verizon Communications Inc.", COM, 42, 4220, 4210, 22, 0.50, 1.0, 1.6, "SD"),
    ("TMUS", "T-Mobile US, Inc.", COM, 205, 1120, 470, 4.5, 0.60, 1.2, 2.0, "SN"),
    ("CHTR", "Charter Communications, Inc.", COM, 215, 137, 95, 1.6, 0.90, 2.0, 8.0, "SN"),
    ("EA", "Electronic Arts Inc.", COM, 202, 250, 249, 3.0, 0.30, 0.4, 2.5, "SN"),
    ("TTWO", "Take-Two Interactive Software, Inc.", COM, 225, 185, 180, 2.0, 0.90, 1.6, 2.2, "SN"),
    ("WBD", "Warner Bros. Discovery, Inc.", COM, 28, 2480, 2460, 35, 1.10, 1.9, 3.0, "SN"),
    ("RDDT", "Reddit, Inc.", COM, 175, 190, 130, 7, 2.00, 4.0, 9.0, ""),
    ("SNAP", "Snap Inc.", COM, 8, 1700, 1400, 40, 1.50, 3.2, 5.0, ""),
    ("AMC", "AMC Entertainment Holdings, Inc.", COM, 2.6, 510, 505, 35, 1.80, 4.5, 18.0, ""),
    ("AMZN", "Amazon.com, Inc.", CD, 208, 10700, 9700, 48, 1.25, 1.2, 0.8, "SND"),
    ("TSLA", "Tesla, Inc.", CD, 405, 3320, 2880, 90, 1.90, 2.4, 2.6, "SN"),
    ("HD", "The Home Depot, Inc.", CD, 385, 995, 993, 3.5, 0.95, 1.2, 0.9, "SD"),
    ("MCD", "McDonald's Corporation", CD, 310, 713, 712, 3.5, 0.60, 1.0, 1.1, "SD"),
    ("NKE", "NIKE, Inc.", CD, 64, 1480, 1190, 14, 1.10, 2.0, 3.5, "SD"),
    ("LOW", "Lowe's Companies, Inc.", CD, 260, 560, 559, 3, 1.00, 1.3, 1.1, "S"),
    ("SBUX", "Starbucks Corporation", CD, 95, 1140, 1130, 9, 1.00, 1.7, 2.3, "SN"),
    ("BKNG", "Booking Holdings Inc.", CD, 5200, 32.5, 32.3, 0.3, 1.10, 1.5, 1.0, "SN"),
    ("TJX", "The TJX Companies, Inc.", CD, 150, 1115, 1110, 5, 0.70, 1.1, 0.9, "S"),
    ("CMG", "Chipotle Mexican Grill, Inc.", CD, 38, 1330, 1320, 25, 1.10, 2.0, 2.7, "S"),
    ("ABNB", "Airbnb, Inc.", CD, 132, 610, 420, 5, 1.30, 2.1, 3.0, "SN"),
    ("ORLY", "O'Reilly Automotive, Inc.", CD, 95, 850, 845, 5, 0.70, 1.1, 1.4, "SN"),
    ("LULU", "lululemon athletica inc.", CD, 180, 119, 105, 3, 1.20, 2.6, 5.5, "SN"),
    ("MAR", "Marriott International, Inc.", CD, 310, 272, 225, 1.5, 1.10, 1.4, 2.0, "SN"),
    ("RCL", "Royal Caribbean Cruises Ltd.", CD, 300, 272, 248, 2.5, 1.60, 2.2, 2.3, "S"),
    ("F", "Ford Motor Company", CD, 13.5, 3980, 3890, 60, 1.20, 2.0, 3.8, "S"),
    ("GM", "General Motors Company", CD, 82, 935, 930, 9, 1.20, 1.8, 2.6, "S"),
    ("DASH", "DoorDash, Inc.", CD, 205, 430, 390, 4, 1.40, 2.3, 2.9, "SN"),
    ("RIVN", "Rivian Automotive, Inc.", CD, 17, 1220, 780, 35, 1.80, 3.9, 17.0, ""),
    ("LCID", "Lucid Group, Inc.", CD, 14, 308, 125, 8, 1.90, 4.2, 33.0, ""),
    ("GME", "GameStop Corp.", CD, 24, 448, 405, 7, 1.30, 3.2, 16.0, ""),
    ("CVNA", "Carvana Co.", CD, 430, 215, 130, 3.5, 2.20, 3.8, 12.0, "S"),
    ("JPM", "JPMorgan Chase & Co.", FIN, 320, 2730, 2710, 9, 1.00, 1.2, 0.8, "SD"),
    ("BAC", "Bank of America Corporation", FIN, 53, 7350, 7300, 38, 1.20, 1.4, 1.0, "S"),
    ("WFC", "Wells Fargo & Company", FIN, 93, 3150, 3140, 16, 1.10, 1.5, 1.1, "S"),
    ("GS", "The Goldman Sachs Group, Inc.", FIN, 930, 303, 301, 2.2, 1.30, 1.5, 1.4, "SD"),
    ("MS", "Morgan Stanley", FIN, 180, 1590, 1250, 6, 1.30, 1.5, 1.0, "S"),
    ("C", "Citigroup Inc.", FIN, 112, 1790, 1780, 14, 1.30, 1.6, 1.2, "S"),
    ("V", "Visa Inc.", FIN, 330, 1930, 1700, 7, 0.90, 1.1, 1.3, "SD"),
    ("MA", "Mastercard Incorporated", FIN, 535, 903, 810, 3, 1.00, 1.1, 0.7, "S"),
    ("AXP", "American Express Company", FIN, 355, 690, 550, 3, 1.20, 1.4, 1.2, "SD"),
    ("BLK", "BlackRock, Inc.", FIN, 1080, 155, 150, 0.6, 1.20, 1.3, 0.9, "S"),
    ("SCHW", "The Charles Schwab Corporation", FIN, 98, 1810, 1690, 8, 1.10, 1.5, 1.0, "S"),
    ("SPGI", "S&P Global Inc.", FIN, 530, 305, 304, 1.4, 1.00, 1.2, 1.1, "S"),
    ("PYPL", "PayPal Holdings, Inc.", FIN, 52, 955, 950, 15, 1.20, 2.2, 3.0, "SN"),
    ("COIN", "Coinbase Global, Inc.", FIN, 205, 270, 210, 10, 2.20, 4.0, 5.5, "SN"),
    ("HOOD", "Robinhood Markets, Inc.", FIN, 88, 900, 760, 35, 2.20, 4.0, 4.2, "S"),
    ("UPST", "Upstart Holdings, Inc.", FIN, 45, 97, 88, 6, 2.40, 5.0, 28.0, ""),
    ("SOFI", "SoFi Technologies, Inc.", FIN, 24, 1200, 1190, 55, 2.00, 3.6, 12.0, ""),
    ("RKT", "Rocket Companies, Inc.", FIN, 19, 2100, 620, 25, 1.80, 3.5, 24.0, ""),
    ("AFRM", "Affirm Holdings, Inc.", FIN, 62, 330, 290, 6, 2.20, 4.0, 6.5, ""),
    ("TRV", "The Travelers Companies, Inc.", FIN, 280, 225, 224, 1.3, 0.60, 1.0, 1.1, "SD"),
    ("BRK-B", "Berkshire Hathaway Inc. (Class B)", FIN, 490, 1310, 1300, 4.5, 0.70, 0.9, 0.5, "S"),
    ("BX", "Blackstone Inc.", FIN, 150, 1220, 730, 4, 1.40, 2.0, 1.6, "S"),
    ("LLY", "Eli Lilly and Company", HC, 1050, 946, 895, 3.5, 0.60, 1.6, 0.7, "S"),
    ("UNH", "UnitedHealth Group Incorporated", HC, 340, 906, 904, 10, 0.70, 1.8, 1.1, "SD"),
    ("JNJ", "Johnson & Johnson", HC, 220, 2410, 2405, 8, 0.50, 0.9, 0.7, "SD"),
    ("ABBV", "AbbVie Inc.", HC, 225, 1767, 1765, 6, 0.60, 1.2, 0.8, "S"),
    ("MRK", "Merck & Co., Inc.", HC, 105, 2500, 2495, 12, 0.50, 1.2, 1.0, "SD"),
    ("PFE", "Pfizer Inc.", HC, 26, 5690, 5680, 40, 0.60, 1.2, 1.3, "S"),
    ("TMO", "Thermo Fisher Scientific Inc.", HC, 590, 377, 376, 2.0, 0.90, 1.3, 0.8, "S"),
    ("ABT", "Abbott Laboratories", HC, 115, 1741, 1730, 6, 0.70, 1.0, 0.8, "S"),
    ("AMGN", "Amgen Inc.", HC, 340, 538, 537, 2.6, 0.50, 1.3, 1.6, "SND"),
    ("ISRG", "Intuitive Surgical, Inc.", HC, 520, 358, 355, 2, 1.10, 1.6, 1.0, "SN"),
    ("GILD", "Gilead Sciences, Inc.", HC, 135, 1242, 1240, 7, 0.40, 1.2, 1.2, "SN"),
    ("BMY", "Bristol-Myers Squibb Company", HC, 54, 2035, 2030, 13, 0.50, 1.4, 1.5, "S"),
    ("CVS", "CVS Health Corporation", HC, 78, 1268, 1265, 8, 0.70, 1.7, 1.6, "S"),
    ("VRTX", "Vertex Pharmaceuticals Incorporated", HC, 470, 256, 255, 1.4, 0.50, 1.4, 1.1, "SN"),
    ("MDT", "Medtronic plc", HC, 98, 1283, 1280, 6, 0.60, 1.0, 1.1, "S"),
    ("MRNA", "Moderna, Inc.", HC, 32, 390, 380, 10, 1.10, 3.5, 14.0, "S"),
    ("HIMS", "Hims & Hers Health, Inc.", HC, 30, 226, 200, 25, 2.20, 4.5, 32.0, ""),
    ("WMT", "Walmart Inc.", CS, 118, 7970, 4350, 18, 0.50, 1.0, 0.6, "SND"),
    ("COST", "Costco Wholesale Corporation", CS, 960, 443, 441, 2.2, 0.80, 1.2, 1.0, "SN"),
    ("PG", "The Procter & Gamble Company", CS, 150, 2340, 2335, 8, 0.40, 0.9, 0.8, "SD"),
    ("KO", "The Coca-Cola Company", CS, 72, 4300, 3900, 15, 0.40, 0.8, 0.8, "SD"),
    ("PEP", "PepsiCo, Inc.", CS, 150, 1368, 1365, 7, 0.40, 1.0, 1.3, "SN"),
    ("PM", "Philip Morris International Inc.", CS, 170, 1557, 1555, 6, 0.50, 1.3, 1.0, "S"),
    ("MO", "Altria Group, Inc.", CS, 60, 1680, 1678, 9, 0.40, 1.0, 1.8, "S"),
    ("MDLZ", "Mondelez International, Inc.", CS, 58, 1295, 1290, 9, 0.40, 1.0, 1.2, "SN"),
    ("CL", "Colgate-Palmolive Company", CS, 80, 806, 804, 5, 0.40, 1.0, 1.0, "S"),
    ("TGT", "Target Corporation", CS, 98, 455, 454, 6, 0.90, 2.0, 3.4, "S"),
    ("KHC", "The Kraft Heinz Company", CS, 24, 1185, 1000, 12, 0.40, 1.2, 2.8, "SN"),
    ("BYND", "Beyond Meat, Inc.", CS, 1.2, 455, 430, 60, 1.60, 6.0, 38.0, ""),
    ("XOM", "Exxon Mobil Corporation", EN, 125, 4270, 4260, 16, 0.60, 1.2, 0.9, "S"),
    ("CVX", "Chevron Corporation", EN, 168, 2000, 1990, 8, 0.70, 1.2, 1.0, "SD"),
    ("COP", "ConocoPhillips", EN, 98, 1245, 1243, 7, 0.90, 1.5, 1.1, "S"),
    ("EOG", "EOG Resources, Inc.", EN, 112, 545, 543, 3.5, 0.90, 1.4, 1.8, "S"),
    ("SLB", "SLB N.V.", EN, 42, 1495, 1490, 14, 1.00, 1.8, 2.6, "S"),
    ("OXY", "Occidental Petroleum Corporation", EN, 44, 985, 720, 10, 1.00, 1.7, 4.0, "S"),
    ("MPC", "Marathon Petroleum Corporation", EN, 178, 305, 304, 2.5, 0.90, 1.7, 2.2, "S"),
    ("KMI", "Kinder Morgan, Inc.", EN, 28, 2225, 1950, 14, 0.60, 1.1, 1.5, "S"),
    ("WMB", "The Williams Companies, Inc.", EN, 62, 1220, 1215, 7, 0.60, 1.1, 1.3, "S"),
    ("HAL", "Halliburton Company", EN, 30, 850, 845, 12, 1.10, 2.0, 3.1, "S"),
    ("GE", "GE Aerospace", IND, 315, 1060, 1058, 5, 1.10, 1.6, 0.9, "S"),
    ("CAT", "Caterpillar Inc.", IND, 640, 468, 467, 2.6, 1.10, 1.6, 1.8, "SD"),
    ("HON", "Honeywell International Inc.", IND, 225, 635, 633, 4, 0.90, 1.2, 1.1, "SND"),
    ("UNP", "Union Pacific Corporation", IND, 235, 593, 592, 3, 0.90, 1.2, 1.2, "S"),
    ("BA", "The Boeing Company", IND, 235, 760, 758, 8, 1.20, 2.0, 1.7, "SD"),
    ("RTX", "RTX Corporation", IND, 195, 1340, 1338, 5, 0.60, 1.1, 0.9, "S"),
    ("LMT", "Lockheed Martin Corporation", IND, 540, 231, 230, 1.4, 0.40, 1.2, 1.3, "S"),
    ("DE", "Deere & Company", IND, 520, 270, 269, 1.4, 0.90, 1.4, 1.2, "S"),
    ("UPS", "United Parcel Service, Inc.", IND, 105, 848, 730, 6, 0.90, 1.6, 2.0, "S"),
    ("FDX", "FedEx Corporation", IND, 300, 236, 218, 2, 1.10, 1.8, 2.0, "S"),
    ("GEV", "GE Vernova Inc.", IND, 700, 272, 271, 2.8, 1.50, 2.6, 2.1, "S"),
    ("ETN", "Eaton Corporation plc", IND, 360, 388, 387, 2.8, 1.30, 1.9, 1.3, "S"),
    ("VRT", "Vertiv Holdings Co", IND, 175, 382, 378, 7, 1.90, 3.2, 2.4, ""),
    ("MMM", "3M Company", IND, 160, 532, 531, 3.5, 0.90, 1.5, 1.2, "SD"),
    ("UBER", "Uber Technologies, Inc.", IND, 78, 2080, 2070, 20, 1.30, 2.2, 2.0, "S"),
    ("WM", "Waste Management, Inc.", IND, 225, 402, 401, 1.8, 0.40, 1.0, 0.9, "S"),
    ("NOC", "Northrop Grumman Corporation", IND, 620, 143, 142, 0.9, 0.40, 1.3, 1.0, "S"),
    ("CSX", "CSX Corporation", IND, 36, 1865, 1860, 14, 0.90, 1.3, 1.5, "SN"),
    ("DAL", "Delta Air Lines, Inc.", IND, 70, 653, 647, 9, 1.40, 2.4, 3.0, "S"),
    ("UAL", "United Airlines Holdings, Inc.", IND, 108, 325, 324, 7, 1.50, 2.7, 3.8, "S"),
    ("PLUG", "Plug Power Inc.", IND, 2.4, 1200, 1180, 70, 2.00, 5.5, 27.0, ""),
    ("JOBY", "Joby Aviation, Inc.", IND, 14, 870, 590, 25, 2.00, 4.5, 14.0, ""),
    ("RKLB", "Rocket Lab Corporation", IND, 72, 520, 450, 25, 2.30, 4.8, 12.0, ""),
    ("RUN", "Sunrun Inc.", IND, 19, 232, 220, 9, 2.10, 5.0, 24.0, ""),
    ("LIN", "Linde plc", MAT, 455, 470, 468, 2, 0.80, 1.0, 0.8, "SN"),
    ("SHW", "The Sherwin-Williams Company", MAT, 345, 249, 225, 1.8, 1.00, 1.4, 1.2, "SD"),
    ("APD", "Air Products and Chemicals, Inc.", MAT, 265, 222, 221, 1.4, 0.90, 1.5, 1.3, "S"),
    ("FCX", "Freeport-McMoRan Inc.", MAT, 52, 1436, 1430, 15, 1.60, 2.4, 1.9, "S"),
    ("NEM", "Newmont Corporation", MAT, 108, 1098, 1095, 11, 0.80, 2.4, 1.5, "S"),
    ("ECL", "Ecolab Inc.", MAT, 270, 284, 253, 1.3, 0.90, 1.2, 1.1, "S"),
    ("DOW", "Dow Inc.", MAT, 24, 710, 705, 14, 1.10, 2.3, 4.3, "S"),
    ("NUE", "Nucor Corporation", MAT, 165, 230, 228, 2, 1.20, 1.9, 1.8, "S"),
    ("ALB", "Albemarle Corporation", MAT, 150, 118, 117, 3, 1.60, 3.2, 5.5, "S"),
    ("MP", "MP Materials Corp.", MAT, 58, 177, 140, 10, 2.00, 4.8, 9.0, ""),
    ("CLF", "Cleveland-Cliffs Inc.", MAT, 12, 570, 565, 25, 1.70, 3.8, 14.0, ""),
    ("AA", "Alcoa Corporation", MAT, 48, 259, 258, 6, 1.70, 3.0, 4.8, ""),
    ("NEE", "NextEra Energy, Inc.", UT, 84, 2058, 2055, 10, 0.60, 1.3, 1.3, "S"),
    ("SO", "The Southern Company", UT, 88, 1100, 1098, 5, 0.40, 1.0, 1.5, "S"),
    ("DUK", "Duke Energy Corporation", UT, 118, 777, 776, 3.5, 0.40, 0.9, 1.1, "S"),
    ("CEG", "Constellation Energy Corporation", UT, 290, 313, 312, 3.5, 1.30, 2.8, 2.4, "SN"),
    ("VST", "Vistra Corp.", UT, 165, 339, 337, 5, 1.40, 3.0, 2.6, "S"),
    ("AEP", "American Electric Power Company, Inc.", UT, 118, 535, 534, 3.5, 0.40, 1.0, 1.6, "SN"),
    ("D", "Dominion Energy, Inc.", UT, 60, 853, 851, 5, 0.50, 1.1, 1.5, "S"),
    ("EXC", "Exelon Corporation", UT, 45, 1010, 1008, 7, 0.40, 1.0, 1.6, "SN"),
    ("PCG", "PG&E Corporation", UT, 16, 2198, 2190, 25, 0.60, 1.7, 2.2, "S"),
    ("NRG", "NRG Energy, Inc.", UT, 155, 191, 190, 3, 1.30, 2.6, 3.4, "S"),
    ("OKLO", "Oklo Inc.", UT, 78, 156, 120, 14, 2.60, 6.0, 15.0, ""),
    ("PLD", "Prologis, Inc.", RE, 128, 928, 925, 4, 1.00, 1.4, 1.2, "S"),
    ("AMT", "American Tower Corporation", RE, 178, 468, 467, 2.5, 0.80, 1.4, 1.3, "S"),
    ("EQIX", "Equinix, Inc.", RE, 780, 98, 97, 0.6, 0.80, 1.5, 1.6, "S"),
    ("WELL", "Welltower Inc.", RE, 195, 670, 665, 3, 0.70, 1.3, 1.5, "S"),
    ("SPG", "Simon Property Group, Inc.", RE, 185, 326, 325, 1.5, 1.00, 1.3, 2.0, "S"),
    ("O", "Realty Income Corporation", RE, 58, 915, 912, 5.5, 0.60, 1.0, 2.1, "S"),
    ("DLR", "Digital Realty Trust, Inc.", RE, 160, 345, 343, 2, 1.00, 1.8, 2.0, "S"),
    ("VICI", "VICI Properties Inc.", RE, 29, 1068, 1065, 7, 0.60, 1.1, 2.5, "S"),
    ("CBRE", "CBRE Group, Inc.", RE, 165, 298, 296, 1.6, 1.10, 1.5, 1.2, "S"),
    ("OPEN", "Opendoor Technologies Inc.", RE, 6.2, 735, 700, 90, 2.50, 6.0, 21.0, ""),
)

# symbol, name, sector, reference level, avg volume (M shares/day).
_ETF_ROWS: tuple[tuple[str, str, str, float, float], ...] = (
    ("XLK", "Technology Select Sector SPDR Fund", IT, 270, 7),
    ("XLF", "Financial Select Sector SPDR Fund", FIN, 53, 42),
    ("XLV", "Health Care Select Sector SPDR Fund", HC, 150, 10),
    ("XLY", "Consumer Discretionary Select Sector SPDR Fund", CD, 232, 4),
    ("XLP", "Consumer Staples Select Sector SPDR Fund", CS, 80, 13),
    ("XLE", "Energy Select Sector SPDR Fund", EN, 90, 16),
    ("XLI", "Industrial Select Sector SPDR Fund", IND, 155, 10),
    ("XLB", "Materials Select Sector SPDR Fund", MAT, 92, 8),
    ("XLU", "Utilities Select Sector SPDR Fund", UT, 86, 14),
    ("XLRE", "Real Estate Select Sector SPDR Fund", RE, 42, 7),
    ("XLC", "Communication Services Select Sector SPDR Fund", COM, 115, 6),
)

# symbol, name, reference level.
_INDEX_ROWS: tuple[tuple[str, str, float], ...] = (
    ("^GSPC", "S&P 500", 6880),
    ("^NDX", "Nasdaq-100", 24950),
    ("^DJI", "Dow Jones Industrial Average", 49300),
    ("^RUT", "Russell 2000", 2640),
    ("^VIX", "CBOE Volatility Index", 16.5),
    ("^TNX", "CBOE 10-Year Treasury Note Yield", 4.20),
)

_MILLION = 1_000_000.0

STOCK_PARAMS: Mapping[str, StockParams] = MappingProxyType(
    {
        row[0]: StockParams(
            symbol=row[0],
            price=float(row[3]),
            shares_outstanding=row[4] * _MILLION,
            float_shares=row[5] * _MILLION,
            avg_volume=row[6] * _MILLION,
            beta=row[7],
            idio_vol=row[8] / 100.0,
            short_pct_float=row[9] / 100.0,
            in_sp500="S" in row[10],
            in_nasdaq100="N" in row[10],
            in_dow="D" in row[10],
        )
        for row in _STOCK_ROWS
    }
)

ETF_PARAMS: Mapping[str, FundParams] = MappingProxyType(
    {row[0]: FundParams(row[0], row[3], row[4] * _MILLION) for row in _ETF_ROWS}
)

INDEX_PARAMS: Mapping[str, FundParams] = MappingProxyType(
    {row[0]: FundParams(row[0], row[2], None) for row in _INDEX_ROWS}
)

#: Sector name -> the SPDR ETF that stands for it.
SECTOR_ETFS: Mapping[str, str] = MappingProxyType({row[2]: row[0] for row in _ETF_ROWS})

#: Every symbol the demo knows: stocks, then sector ETFs, then indices and rates.
SYMBOLS: Mapping[str, SymbolInfo] = MappingProxyType(
    {
        **{row[0]: SymbolInfo(row[0], row[1], row[2], "stock") for row in _STOCK_ROWS},
        **{row[0]: SymbolInfo(row[0], row[1], row[2], "etf") for row in _ETF_ROWS},
        **{row[0]: SymbolInfo(row[0], row[1], None, "index") for row in _INDEX_ROWS},
    }
)

#: Names the market knows for heavy short interest (10 % of float or more), most shorted first.
HEAVILY_SHORTED: tuple[str, ...] = tuple(
    params.symbol
    for params in sorted(STOCK_PARAMS.values(), key=lambda p: -p.short_pct_float)
    if params.short_pct_float >= 0.10
)


def stock_symbols() -> tuple[str, ...]:
    """Every stock of the demo universe, in a fixed order."""
    return tuple(STOCK_PARAMS)


def etf_symbols() -> tuple[str, ...]:
    """The 11 sector SPDR ETFs, in the order of `SECTORS`."""
    return tuple(ETF_PARAMS)


def index_symbols() -> tuple[str, ...]:
    """The indices, volatility gauge and yield the demo quotes."""
    return tuple(INDEX_PARAMS)
