"""Known answers for the evaluation's definitions, on hand-made sequences: which generated
frame each real one meets, per-painting means, best-match IoU and its recall, DTW by hand,
order agreement, and failures that are counted instead of dropped."""

from __future__ import annotations

import numpy as np
import pytest

from inverse_painting.perceptual import DifferenceMasker, MaskSettings
from inverse_painting.evaluation import (ProcessSequence, dtw, dtw_path, evaluate_source, instant, mean_best_iou,
                                         nearest_in_time, score_sequence, table)
from inverse_painting.evaluation.evaluate import DIAGNOSTICS, PAPER_METRICS
from inverse_painting.evaluation.report import CONVENTIONS
from inverse_painting.perceptual.distance import ImageDistance

WHITE, BLACK = 255, 0
# a frame's distance is how far its mean grey level is from the other's: known by construction
GREY_DIFFERENCE = ImageDistance("mean-grey-difference",
                                lambda a, b: [abs(float(x.mean()) - float(y.mean())) for x, y in zip(a, b)])
SHARP_MASKER = DifferenceMasker(MaskSettings(lab_threshold=10.0, lab_blur_sigma=0.0))  # exact pixel masks


def grey(value: int, shape=(4, 4)) -> np.ndarray:
    return np.full((*shape, 3), value, np.uint8)


def grey_process(pid: str, values: list[int], times: list[float]) -> ProcessSequence:
    frames = [grey(v) for v in values]
    return ProcessSequence(pid, frames, times, frames[-1])


def column_process(pid: str, steps: list[list[int]], interval: float = 20.0, width: int = 8) -> ProcessSequence:
    """From a white 4 x ``width`` canvas, each step paints the given columns black."""
    frames = [grey(WHITE, (4, width))]
    for columns in steps:
        frames.append(frames[-1].copy())
        frames[-1][:, columns] = BLACK
    return ProcessSequence(pid, frames, [k * interval for k in range(len(frames))], frames[-1])


def columns_mask(columns: list[int], width: int = 8) -> np.ndarray:
    mask = np.zeros((4, width), np.uint8)
    mask[:, columns] = 255
    return mask


GENERATED_TIMES = [0, 20, 40, 60, 80]
GENERATED_GREYS = [255, 200, 150, 100, 50]  # distinct, so the score says which frame was met


def test_each_real_frame_meets_the_generated_frame_nearest_in_time():
    assert [nearest_in_time(GENERATED_TIMES, t) for t in [0, 15, 40, 77]] == [0, 1, 2, 4]
    assert [nearest_in_time(GENERATED_TIMES, t) for t in [10, 30, 50, 70]] == [0, 1, 2, 3]  # ties: the earlier
    assert [nearest_in_time(GENERATED_TIMES, t) for t in [81, 95, 500]] == [4, 4, 4]  # after the end: the last
    generated = grey_process("g", GENERATED_GREYS, GENERATED_TIMES)
    # real keyframes (not the blank) one, two and four grey levels off the frame they should meet
    real = grey_process("r", [255, 201, 152, 54], [0, 15, 40, 77])
    assert score_sequence(real, generated, GREY_DIFFERENCE, SHARP_MASKER).frame_distance == pytest.approx(7 / 3)
    tie_and_beyond = grey_process("r", [255, 201, 52], [0, 30, 90])  # 30: 20 or 40 -> 20; 90 -> 80
    assert score_sequence(tie_and_beyond, generated, GREY_DIFFERENCE,
                          SHARP_MASKER).frame_distance == pytest.approx(1.5)


def test_means_are_over_paintings_not_over_frames(monkeypatch):
    import inverse_painting.evaluation.evaluate as evaluate

    class FramesCountedAsFid:  # a stand-in Inception: the "FID" of a painting is its real keyframe count
        unavailable_reason = None

        def __init__(self, path):
            pass

        def __call__(self, real, generated):
            return float(len(real))

    monkeypatch.setattr(evaluate, "FidScorer", FramesCountedAsFid)
    reals = [grey_process("short", [255] + [100] * 3, [20.0 * k for k in range(4)]),
             grey_process("long", [255] + [100] * 9, [20.0 * k for k in range(10)])]
    off_by = {"short": 30, "long": 90}  # every keyframe of the painting this many grey levels away

    def shifted(task):
        real = next(r for r in reals if r.painting_id == task.painting_id)
        keyframes = [f + off_by[task.painting_id] for f in real.frames[1:]]
        return ProcessSequence(task.painting_id, [real.frames[0], *keyframes], real.times, task.target)

    ev = evaluate_source("hand", reals, {"shifted": shifted}, GREY_DIFFERENCE, SHARP_MASKER, eval_long_side=4)
    m = ev.methods["shifted"]
    assert m["paper"]["frame_distance"] == pytest.approx(60)  # (30 + 90) / 2; per frame it would be 75
    assert m["paper"]["fid_per_painting"] == pytest.approx(6)  # (3 + 9) / 2; pooled it would be one FID of 12
    assert m["diagnostics"]["generated_keyframes"] == 6 and ev.real["keyframes"] == 6
    assert [r["frame_distance"] for r in ev.per_painting] == pytest.approx([30, 90])


def test_iou_takes_each_generated_mask_best_real_match_and_recall_the_reverse():
    real_masks = [columns_mask([0, 1]), columns_mask([2, 3]), columns_mask([6, 7])]
    generated_masks = [columns_mask([0, 1]), columns_mask([2, 3, 4, 5])]  # best IoUs: 1 and 2/4
    assert mean_best_iou(generated_masks, real_masks) == pytest.approx(0.75)
    assert mean_best_iou(real_masks, generated_masks) == pytest.approx((1 + 0.5 + 0) / 3)
    # the same through score_sequence, with masks made from the frames
    real = column_process("r", [[0, 1], [2, 3], [6, 7]])
    scored = score_sequence(real, column_process("g", [[0, 1], [2, 3, 4, 5]]), GREY_DIFFERENCE, SHARP_MASKER)
    assert scored.iou == pytest.approx(0.75) and scored.mask_recall == pytest.approx(0.5)
    one_step_then_stop = score_sequence(real, column_process("g", [[0, 1]]), GREY_DIFFERENCE, SHARP_MASKER)
    assert one_step_then_stop.iou == 1.0 and one_step_then_stop.mask_recall == pytest.approx(1 / 3)


def test_dtw_by_hand_summed_and_per_matched_pair():
    real = np.array([[0, 1.0], [0.3, 0.6], [0.6, 0.0]])
    generated = np.array([[0, 1.0], [0.6, 0.0], [1.0, 0.0]])
    # best path (0,0) (1,0) (2,1) (2,2): costs 0 + |(0.3, -0.4)| + 0 + |(-0.4, 0)| = 0.5 + 0.4; the
    # diagonal costs 0 + |(-0.3, 0.6)| + 0.4 = 1.07, and squared or L1 point costs give 0.41 or 1.1
    warp = dtw_path(real, generated)
    assert warp.total == pytest.approx(0.9) and dtw(real, generated) == pytest.approx(0.9)
    assert warp.path_length == 4 and warp.mean == pytest.approx(0.225)
    # end to end: finished in one minute against two, one step each; curves (0, 255) (1, 0) vs (0, 255) (2, 0)
    real_seq, twice_as_slow = grey_process("r", [255, 0], [0, 60]), grey_process("g", [255, 0], [0, 120])
    scored = score_sequence(real_seq, twice_as_slow, GREY_DIFFERENCE, SHARP_MASKER)
    assert scored.ddc_sum == pytest.approx(1.0) and scored.ddc_mean == pytest.approx(0.5)
    assert scored.dts_min == pytest.approx(1.0)


def test_summed_ddc_grows_with_the_keyframe_count_and_the_mean_does_not():
    def curves(interval_s):
        t = np.arange(0, 120 + 1e-9, interval_s) / 120
        return np.stack([t * 2, 1 - t], 1), np.stack([t * 2, (1 - t) ** 2], 1)  # same duration, other shape

    coarse, fine = dtw_path(*curves(20)), dtw_path(*curves(2))
    assert fine.total > 5 * coarse.total
    assert fine.mean == pytest.approx(coarse.mean, rel=0.25)


def test_order_agreement_tells_the_real_order_from_its_reverse_and_from_no_order():
    real = column_process("r", [[0, 1], [2, 3], [6, 7]])
    same = column_process("g", [[0, 1], [2, 3], [6, 7]])
    reverse = column_process("g", [[6, 7], [2, 3], [0, 1]])

    def scores(generated):
        return score_sequence(real, generated, GREY_DIFFERENCE, SHARP_MASKER)

    assert scores(same).order_agreement == pytest.approx(1.0)
    reversed_scores = scores(reverse)
    assert reversed_scores.order_agreement == pytest.approx(-1.0)
    assert reversed_scores.iou == 1.0 and reversed_scores.mask_recall == 1.0  # IoU cannot see the order
    at_once = scores(instant("g", real.target, interval=real.duration_s))  # the real duration: DTS 0
    assert at_once.order_agreement == 0 and at_once.dts_min == 0
    assert at_once.step_area_max == pytest.approx(6 / 8)  # one step paints all the painted columns


def test_frames_after_the_real_end_are_counted():
    real = column_process("r", [[0, 1], [2, 3]])
    never_stops = column_process("g", [[0, 1], [2, 3]] + [[4]] * 5)
    scored = score_sequence(real, never_stops, GREY_DIFFERENCE, SHARP_MASKER)
    assert scored.frame_distance == 0  # nearest-in-time LPIPS sees nothing wrong
    assert scored.keyframes_after_real_end == 5 and scored.generated_keyframes == 7


def test_a_method_that_fails_is_counted_and_shown_not_dropped():
    reals = [column_process("p1", [[0, 1], [2, 3]]), column_process("p2", [[6, 7], [4, 5]])]

    def faithful(task):
        return next(r for r in reals if r.painting_id == task.painting_id)

    def fails_on_p2(task):
        if task.painting_id == "p2":
            raise RuntimeError("diverged")
        return column_process(task.painting_id, [[0, 1, 2, 3]])

    def one_frame(task):
        seq = instant(task.painting_id, task.target, 20.0)
        seq.frames, seq.times = seq.frames[:1], seq.times[:1]
        return seq

    ev = evaluate_source("hand", reals, {"faithful": faithful, "flaky": fails_on_p2, "stops_at_once": one_frame},
                         GREY_DIFFERENCE, SHARP_MASKER, eval_long_side=8)
    ok, flaky, stops = ev.methods["faithful"], ev.methods["flaky"], ev.methods["stops_at_once"]
    assert (ok["status"], ok["scored"], ok["failures"]) == ("ok", 2, 0)
    assert (flaky["status"], flaky["paintings"], flaky["scored"], flaky["failures"]) == ("incomplete", 2, 1, 1)
    assert flaky["failure_reasons"] == ["p2: RuntimeError: diverged"]
    p1 = next(r for r in ev.per_painting if r["method"] == "flaky")
    assert flaky["paper"]["iou"] == pytest.approx(p1["iou"])  # the mean of the one it was scored on
    assert (stops["status"], stops["scored"], stops["failures"]) == ("failed", 0, 2)
    assert "fewer than 2 frames" in stops["failure_reasons"][0] and stops["paper"]["iou"] is None
    printed = table({"distance": "d", "hand": {"real": ev.real, "methods": ev.methods}})
    assert "incomplete" in printed and " 1/2 " in printed and "hand/flaky p2: RuntimeError: diverged" in printed


def test_every_reported_number_has_its_convention_and_a_table_column():
    from inverse_painting.evaluation.report import DIAGNOSTIC_COLUMNS, PAPER_COLUMNS

    assert set(PAPER_METRICS) | set(DIAGNOSTICS) | {"fid_per_painting"} <= set(CONVENTIONS)
    assert {c[0] for c in DIAGNOSTIC_COLUMNS} == set(DIAGNOSTICS)
    assert {c[0] for c in PAPER_COLUMNS} == set(PAPER_METRICS) | {"fid_per_painting"}
