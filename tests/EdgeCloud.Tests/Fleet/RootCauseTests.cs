using EdgeCloud.Fleet;

namespace EdgeCloud.Tests.Fleet;

public sealed class RootCauseTests
{
    [Fact]
    public void Assign_OneDeviceAloneInEveryLabel_NamesTheMicrophoneAndExplainsTheOthers()
    {
        // The demo: kiosk-3 is the only device of its microphone, site, firmware and device model.
        CohortAlarmFacts[] alarms =
        [
            Alarm("deviceModel", "kiosk-k1", "bandwidth", 3.0, "kiosk-3"),
            Alarm("firmware", "2.4.1", "bandwidth", 3.0, "kiosk-3"),
            Alarm("micModel", "mic-b", "bandwidth", 3.0, "kiosk-3"),
            Alarm("site", "lobby", "bandwidth", 3.0, "kiosk-3"),
        ];

        IReadOnlyList<RootCauseVerdict> verdicts = RootCause.Assign(alarms);

        Assert.All(verdicts, v => Assert.Equal(new CohortRef("micModel", "mic-b"), v.RootCause));
        Assert.Equal([false, false, true, false], verdicts.Select(v => v.IsRoot));
        Assert.Equal("contains only mic-b devices", verdicts[3].ExplainedBy);
    }

    [Fact]
    public void Assign_ASiteOfQuietKiosksAndOneNewMicrophone_IsExplainedByTheMicrophone()
    {
        // The end-to-end fleet: kiosk-a (mic-a) and kiosk-b (mic-b) share a site; the site drifts through kiosk-b alone.
        CohortAlarmFacts[] alarms =
        [
            Alarm("micModel", "mic-b", "bandwidth", 3.0, "kiosk-b"),
            Alarm("site", "lab", "bandwidth", 1.4, "kiosk-a", "kiosk-b"),
        ];

        IReadOnlyList<RootCauseVerdict> verdicts = RootCause.Assign(alarms);

        Assert.True(verdicts[0].IsRoot);
        Assert.Equal(new RootCauseVerdict(new CohortRef("micModel", "mic-b"), "drifts with its 1 mic-b device(s) of 2"), verdicts[1]);
    }

    [Fact]
    public void Assign_ALabelWhoseEveryValueDrifts_DoesNotExplain()
    {
        CohortAlarmFacts mic = Alarm("micModel", "mic-b", "bandwidth", 2.0, "kiosk-3", "kiosk-1");
        CohortAlarmFacts site = Alarm("site", "lobby", "bandwidth", 2.0, "kiosk-3");

        // The smaller site explains the microphone's cohort while some other site is quiet...
        Assert.Equal(new CohortRef("site", "lobby"), RootCause.Assign([mic, site])[0].RootCause);

        // ...but not when every site drifts: the site then splits nothing, and the microphone is the root.
        IReadOnlyList<RootCauseVerdict> verdicts = RootCause.Assign([mic, site], (label, _) => label != "site");
        Assert.True(verdicts[0].IsRoot);
        Assert.Equal("contains only mic-b devices", verdicts[1].ExplainedBy);
    }

    [Fact]
    public void Assign_TwoChangedMicrophones_EachExplainsItsOwnDevices()
    {
        CohortAlarmFacts[] alarms =
        [
            Alarm("micModel", "mic-b", "bandwidth", 3.0, "kiosk-3"),
            Alarm("micModel", "mic-c", "bandwidth", 3.0, "panel-9"),
            Alarm("site", "lobby", "bandwidth", 3.0, "kiosk-3"),
            Alarm("site", "hall", "bandwidth", 1.2, "kiosk-1", "kiosk-2", "panel-9"),
        ];

        IReadOnlyList<RootCauseVerdict> verdicts = RootCause.Assign(alarms);

        Assert.Equal([true, true, false, false], verdicts.Select(v => v.IsRoot));
        Assert.Equal(new CohortRef("micModel", "mic-b"), verdicts[2].RootCause);
        Assert.Equal(new RootCauseVerdict(new CohortRef("micModel", "mic-c"), "drifts with its 1 mic-c device(s) of 3"), verdicts[3]);
    }

    [Fact]
    public void Assign_OtherFamiliesAndDisjointDevices_StayTheirOwnRoots()
    {
        CohortAlarmFacts[] alarms =
        [
            Alarm("micModel", "mic-b", "bandwidth", 2.0, "kiosk-3"),
            Alarm("site", "lobby", "level", 2.0, "kiosk-3"),
            Alarm("site", "depot", "bandwidth", 2.0, "truck-9"),
        ];

        Assert.All(RootCause.Assign(alarms), v => Assert.True(v.IsRoot));
    }

    [Fact]
    public void Assign_SameDevicesDifferentEvidence_TheStrongerEvidenceWinsBeforeTheSignalOrder()
    {
        CohortAlarmFacts[] alarms =
        [
            Alarm("micModel", "mic-b", "noise", 1.2, "kiosk-3"),
            Alarm("site", "lobby", "noise", 4.0, "kiosk-3"),
        ];

        IReadOnlyList<RootCauseVerdict> verdicts = RootCause.Assign(alarms);

        Assert.Equal(new CohortRef("site", "lobby"), verdicts[0].RootCause);
        Assert.Equal("contains only lobby devices", verdicts[0].ExplainedBy);
        Assert.True(verdicts[1].IsRoot);
    }

    [Fact]
    public void Assign_UnknownDevices_NeverExplainedByAnother()
    {
        CohortAlarmFacts[] alarms = [Alarm("site", "lobby", "bandwidth", 1.5), Alarm("micModel", "mic-b", "bandwidth", 2.0, "kiosk-3")];

        Assert.All(RootCause.Assign(alarms), v => Assert.True(v.IsRoot));
    }

    [Fact]
    public void Assign_RandomFleets_EveryNamedRootIsItsOwnRoot()
    {
        var random = new Random(11);
        string[] labels = ["deviceModel", "micModel", "firmware", "site"];
        for (int run = 0; run < 500; run++)
        {
            // 2-6 devices, each with a random value (of 3) per label; a random set of cohorts alarm on two families.
            int devices = random.Next(2, 7);
            var values = Enumerable.Range(0, devices).Select(_ => labels.ToDictionary(l => l, _ => "v" + random.Next(3))).ToList();
            var alarms = new List<CohortAlarmFacts>();
            foreach (string family in new[] { "bandwidth", "level" })
            {
                foreach (string label in labels)
                {
                    foreach (string value in values.Select(v => v[label]).Distinct().Where(_ => random.Next(3) == 0))
                    {
                        string[] members = Enumerable.Range(0, devices).Where(d => values[d][label] == value).Select(d => "d" + d).ToArray();
                        alarms.Add(Alarm(label, value, family, Math.Round(random.NextDouble() * 3, 1), members));
                    }
                }
            }

            var quiet = labels.Where(_ => random.Next(4) > 0).ToHashSet();
            IReadOnlyList<RootCauseVerdict> verdicts = RootCause.Assign(alarms, (label, _) => quiet.Contains(label));
            for (int i = 0; i < alarms.Count; i++)
            {
                int root = alarms.FindIndex(a => a.Family == alarms[i].Family && a.Cohort == verdicts[i].RootCause);
                Assert.True(root >= 0 && verdicts[root].IsRoot, $"run {run}: {alarms[i].Cohort} names {verdicts[i].RootCause}, which is not its own root");
                Assert.Equal(root == i, verdicts[i].IsRoot);
            }
        }
    }

    private static CohortAlarmFacts Alarm(string label, string value, string family, double evidence, params string[] devices) =>
        new(new CohortRef(label, value), family, new HashSet<string>(devices, StringComparer.Ordinal), evidence);
}
