"""Campaign engagement benchmark (issue 6): does the campaign policy beat the static creative
and random exploration over repeated impressions?

20 simulated viewers (evals/simulator.simulated_population: demo-catalog user × product pairs,
each with its own seed and hidden preference) see 10 impressions each under three policies:

- ``thompson`` — the campaign policy (Thompson sampling over hook type, narrative form, facet and
  template; stage escalation; reuse/edit/regenerate within a budget of one generation);
- ``static`` — the retrieval baseline: the first creative, served every time (no budget);
- ``random`` — random exploration: a new random brief every impression (same budget).

Each campaign runs ``graphs.campaign.simulate_campaign`` — the same strategy, plan (the Director's
match and storyboard with the brief) and simulator functions as the campaign graph, without
rendering or verification (``"rendering": false`` in the output), so the run takes minutes.

Prints JSON: mean engagement in impressions 6–10 per policy, thompson − static and thompson −
random with a paired 95% bootstrap confidence interval over viewers, and the wall time.
``replications`` repeats the whole 20-viewer run on independent populations (seeds seed+101 …
seed+100+K, K = 6 by default: never used to choose the policy's constants, which were set on
seeds 1–6) and reports each run's differences, how many favour the policy and
a bootstrap interval of their mean over the runs: one 20-viewer interval is wide next to a
difference of a few hundredths. The
headline is the sampled engagement (the reward the policy learns from). ``mean_appeal`` adds a
lower-variance view of the same impressions: the simulator's noise-free engagement probability
(``SimulatedUser.appeal``) of each creative served, recomputed afterwards for a fresh copy of
the viewer; it leaves out the feedback draws (skips, clicks), so it is a diagnostic, not the
measure.

    .venv/bin/python benchmarks/campaign_engagement.py [--users 20] [--impressions 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.simulator import SimulatedUser, shown_angles, simulated_population  # noqa: E402
from graphs.campaign import DEFAULT_BUDGET, campaign_profile, simulate_campaign  # noqa: E402
from nextads.schemas import CreativePlan, ServingContext  # noqa: E402

USERS = 20
IMPRESSIONS = 10
LATE_FROM = 6  # "impressions 6–10": after the policy has had time to learn
BOOTSTRAP_RESAMPLES = 10_000
CONFIDENCE = 0.95
REPLICATION_OFFSET = 100  # replication populations: seeds far from the tuning seeds 1–6
# policy → budget: the static creative is the retrieval baseline, never changed after the first.
POLICIES = {"thompson": DEFAULT_BUDGET, "static": 0.0, "random": DEFAULT_BUDGET}


def late_engagement(records: list[dict], late_from: int = LATE_FROM) -> float:
    """Mean engagement of the impressions numbered ``late_from`` and later."""
    late = [r["engagement"] for r in records if r["impression"] >= late_from]
    return float(np.mean(late)) if late else float("nan")


def late_appeal(records: list[dict], viewer: SimulatedUser, late_from: int = LATE_FROM) -> float:
    """Mean noise-free appeal of the impressions numbered ``late_from`` and later, for a fresh
    ``viewer`` (same seed, user, product and profile) shown the records' creatives in order."""
    appeal = []
    for r in records:
        plan = CreativePlan.model_validate(r["plan"])
        if r["impression"] >= late_from:
            appeal.append(viewer.appeal(plan, r["impression"]))
        viewer.shown[r["impression"]] = shown_angles(plan)  # what respond() records
    return float(np.mean(appeal)) if appeal else float("nan")


def bootstrap_ci(diffs: np.ndarray, *, seed: int, resamples: int = BOOTSTRAP_RESAMPLES,
                 confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of paired per-viewer differences."""
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(resamples, len(diffs)))].mean(axis=1)
    tail = (1 - confidence) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def run(users: int = USERS, impressions: int = IMPRESSIONS, seed: int = 0) -> dict:
    """Every viewer under every policy; the summary the script prints."""
    t0 = time.perf_counter()
    context = ServingContext()
    viewers = simulated_population(users, seed=seed)
    profiles = {}
    scores: dict[str, list[float]] = {p: [] for p in POLICIES}
    appeals: dict[str, list[float]] = {p: [] for p in POLICIES}
    for viewer in viewers:
        user, product = viewer.user, viewer.product
        if user.user_id not in profiles:
            profiles[user.user_id] = campaign_profile(user)
        for policy, budget in POLICIES.items():
            records = simulate_campaign(user, product, context, impressions=impressions, policy=policy,
                                        seed=viewer.seed, budget=budget, profile=profiles[user.user_id])
            scores[policy].append(late_engagement(records))
            fresh = SimulatedUser(user, product, seed=viewer.seed, profile=profiles[user.user_id])
            appeals[policy].append(late_appeal(records, fresh))
    arr = {p: np.array(v) for p, v in scores.items()}
    app = {p: np.array(v) for p, v in appeals.items()}

    def diff(other: str, values: dict[str, np.ndarray] = arr) -> dict:
        d = values["thompson"] - values[other]
        lo, hi = bootstrap_ci(d, seed=seed)
        return {"mean": round(float(d.mean()), 4), "ci95": [round(lo, 4), round(hi, 4)],
                "wins": int((d > 0).sum()), "viewers": len(d)}

    return {
        "benchmark": "campaign_engagement",
        "rendering": False,
        "users": users, "impressions": impressions, "seed": seed,
        "window": f"impressions {LATE_FROM}-{impressions}",
        "mean_engagement": {p: round(float(v.mean()), 4) for p, v in arr.items()},
        "thompson_minus_static": diff("static"),
        "thompson_minus_random": diff("random"),
        "mean_appeal": {
            "note": "diagnostic, not the measure: the simulator's noise-free engagement probability "
                    "of the same creatives (no feedback draws)",
            "mean": {p: round(float(v.mean()), 4) for p, v in app.items()},
            "thompson_minus_static": diff("static", app),
            "thompson_minus_random": diff("random", app),
        },
        "budgets": POLICIES,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def replicate(base: dict, runs: int, users: int, impressions: int, seed: int) -> dict:
    """The differences of ``runs`` more independent populations, beside the headline run's."""
    rows = [{"seed": seed, "vs_static": base["thompson_minus_static"]["mean"],
             "vs_random": base["thompson_minus_random"]["mean"]}]
    for k in range(1, runs + 1):
        r = run(users, impressions, seed + REPLICATION_OFFSET + k)
        rows.append({"seed": seed + REPLICATION_OFFSET + k, "vs_static": r["thompson_minus_static"]["mean"],
                     "vs_random": r["thompson_minus_random"]["mean"]})
    out: dict = {"runs": rows}
    for key in ("vs_static", "vs_random"):
        d = np.array([r[key] for r in rows])
        lo, hi = bootstrap_ci(d, seed=seed)
        out[f"thompson_{key.replace('vs_', 'minus_')}"] = {
            "mean": round(float(d.mean()), 4), "ci95_over_runs": [round(lo, 4), round(hi, 4)],
            "runs_favouring_policy": int((d > 0).sum()), "runs": len(d)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--impressions", type=int, default=IMPRESSIONS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replications", type=int, default=6, help="independent repeat runs (0: none)")
    args = parser.parse_args(argv)
    result = run(args.users, args.impressions, args.seed)
    if args.replications > 0:
        t0 = time.perf_counter()
        result["replications"] = replicate(result, args.replications, args.users, args.impressions, args.seed)
        result["replications"]["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
