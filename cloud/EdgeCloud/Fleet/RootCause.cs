namespace EdgeCloud.Fleet;

/// <summary>
/// One root cause per drift event. When the same devices raise cohort alarms in several labels on one family (kiosk-3
/// alone behind <c>micModel=mic-b</c>, <c>site=lobby</c>, <c>firmware=2.4.1</c> and <c>deviceModel=kiosk-k1</c>), one of the
/// alarms is named the root and the others are explained by it. The rule, per family:
/// <list type="number">
/// <item>Two alarms of different labels are <em>related</em> when one cohort's devices are all in the other's (the
/// same devices, or one cohort nested in the other).</item>
/// <item>Of an alarm and the alarms related to it, the root is the first by: (a) its label <em>separates</em> — some
/// cohort of that label is quiet (ok) on the family, so the label splits drifting devices from quiet ones (a label
/// whose every value drifts explains nothing: that is the reference, not the devices); (b) the smaller cohort — the most specific explanation, the one
/// holding the fewest devices that may not drift (a site of ten kiosks drifting because of its one new microphone
/// is explained by that microphone's cohort of one); (c) the higher evidence (score / threshold); (d) the label closer
/// to the signal: micModel (the transducer), deviceModel (enclosure and board), firmware (processing), site (the room).
/// With one device per value the data cannot tell the labels apart (the same devices give the same merged profile
/// and the same scores), so (d) decides, and that is a statement about audio: a microphone shapes the spectrum first.</item>
/// <item>A root that has a better root of its own hands its alarms on to it (each step is strictly better by the
/// order above, so this ends), so every alarm named as a root is its own root.</item>
/// </list>
/// </summary>
public static class RootCause
{
    private static readonly string[] s_signalOrder = ["micModel", "deviceModel", "firmware", "site"];

    /// <summary>Labels by closeness to the signal (rule (d)); other labels (e.g. model:name) come after them.</summary>
    public static IReadOnlyList<string> SignalOrder => s_signalOrder;

    /// <summary>The root cause of each alarm, in the order given.</summary>
    /// <param name="quiet">Whether a label has a cohort that is ok on a family (label, family); null: every label has.</param>
    public static IReadOnlyList<RootCauseVerdict> Assign(IReadOnlyList<CohortAlarmFacts> alarms, Func<string, string, bool>? quiet = null)
    {
        bool[] separates = alarms.Select(a => quiet?.Invoke(a.Cohort.Label, a.Family) ?? true).ToArray();
        var better = Comparer<int>.Create((x, y) => Compare(alarms[x], separates[x], alarms[y], separates[y]));
        int[] best = new int[alarms.Count];
        for (int i = 0; i < alarms.Count; i++)
        {
            best[i] = Enumerable.Range(0, alarms.Count).Where(j => j == i || Related(alarms[i], alarms[j])).Order(better).First();
        }

        var verdicts = new RootCauseVerdict[alarms.Count];
        for (int i = 0; i < alarms.Count; i++)
        {
            int root = i;
            while (best[root] != root)
            {
                root = best[root];
            }

            verdicts[i] = root == i ? new RootCauseVerdict(alarms[i].Cohort, null) : new RootCauseVerdict(alarms[root].Cohort, How(alarms[i], alarms[root]));
        }

        return verdicts;
    }

    private static string How(CohortAlarmFacts alarm, CohortAlarmFacts root) =>
        alarm.Devices.IsSubsetOf(root.Devices) ? $"contains only {root.Cohort.Value} devices"
        : root.Devices.IsSubsetOf(alarm.Devices) ? $"drifts with its {root.Devices.Count} {root.Cohort.Value} device(s) of {alarm.Devices.Count}"
        : $"explained by {root.Cohort}";

    /// <summary>Same family, different labels, and one cohort's (known) devices all in the other's.</summary>
    private static bool Related(CohortAlarmFacts a, CohortAlarmFacts b) =>
        a.Family == b.Family && a.Cohort.Label != b.Cohort.Label && a.Devices.Count > 0 && b.Devices.Count > 0
        && (a.Devices.IsSubsetOf(b.Devices) || b.Devices.IsSubsetOf(a.Devices));

    /// <summary>Negative when x is the better root.</summary>
    private static int Compare(CohortAlarmFacts x, bool xSeparates, CohortAlarmFacts y, bool ySeparates)
    {
        int c = ySeparates.CompareTo(xSeparates);
        c = c != 0 ? c : x.Devices.Count.CompareTo(y.Devices.Count);
        c = c != 0 ? c : y.Evidence.CompareTo(x.Evidence);
        c = c != 0 ? c : Rank(x.Cohort.Label).CompareTo(Rank(y.Cohort.Label));
        c = c != 0 ? c : string.CompareOrdinal(x.Cohort.Label, y.Cohort.Label);
        return c != 0 ? c : string.CompareOrdinal(x.Cohort.Value, y.Cohort.Value);
    }

    private static int Rank(string label)
    {
        int i = Array.IndexOf(s_signalOrder, label);
        return i < 0 ? s_signalOrder.Length : i;
    }
}
