using EdgeAgent.Contracts;
using EdgeCloud.Storage;

namespace EdgeCloud.Quality;

/// <summary>
/// Labelled quality per cohort (the devices' <c>groupBy</c> label, "all" without one) and version of one keyword model,
/// from clips and window summaries. Pure: the same inputs give the same rows.
/// <list type="bullet">
/// <item>Precision: labelled detection clips of the keyword whose labels contain it, over labelled detection clips.</item>
/// <item>Recall: labelled random-speech clips whose labels contain the keyword; detected when the same device sent a
/// detection clip of the keyword overlapping the clip in time. So recall needs the detections trigger on, and detection
/// clips refused by the quota count as misses (a lower bound).</item>
/// <item>False accepts per hour: the windows' detections × (1 − precision) / audio hours. Windows carry no model
/// versions: a device's windows count for the version it serves now (its reported active slot).</item>
/// <item>VAD agreement: labelled random-speech clips (the VAD said speech) that a labeler heard speech in.</item>
/// </list>
/// A clip's version is the version of the model it names in its metadata (the one serving when it was captured).
/// </summary>
public static class QualityCalculator
{
    public const string AllDevices = "all";
    private const string NoLabel = "(none)";
    private const string UnknownVersion = "?";

    public static List<QualityRow> Compute(string model, string? groupBy, IReadOnlyList<DeviceRecord> devices, IReadOnlyList<ClipRecord> clips, IReadOnlyList<WindowRecord> windows)
    {
        Dictionary<string, DeviceRecord> byId = devices.ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        string GroupOf(string deviceId) => groupBy is null ? AllDevices : byId.TryGetValue(deviceId, out DeviceRecord? d) ? d.Labels.Get(groupBy) ?? NoLabel : NoLabel;
        var cells = new Dictionary<(string Group, string Version), Cell>();
        Cell CellOf(string deviceId, string version)
        {
            (string, string) key = (GroupOf(deviceId), version);
            if (!cells.TryGetValue(key, out Cell? cell))
            {
                cells[key] = cell = new Cell();
            }

            cell.Devices.Add(deviceId);
            return cell;
        }

        var detectionsByDevice = clips.Where(c => c.Trigger == ClipTrigger.Detection && c.Keyword == model)
            .ToLookup(c => c.DeviceId, StringComparer.Ordinal);
        foreach (ClipRecord c in clips)
        {
            string? version = c.Models.FirstOrDefault(m => m.Name == model)?.Version;
            bool detection = c.Trigger == ClipTrigger.Detection && c.Keyword == model;
            if (c.Labels is not { } labels || !(detection || (c.Trigger == ClipTrigger.RandomSpeech && version is not null)))
            {
                continue;
            }

            Cell cell = CellOf(c.DeviceId, version ?? UnknownVersion);
            bool said = labels.Keywords.Contains(model, StringComparer.Ordinal);
            if (detection)
            {
                cell.Labelled++;
                cell.Correct += said ? 1 : 0;
            }
            else
            {
                cell.VadLabelled++;
                cell.VadAgreed += labels.Speech ? 1 : 0;
                if (said)
                {
                    cell.RecallSamples++;
                    cell.RecallDetected += detectionsByDevice[c.DeviceId].Any(d => Overlap(d, c)) ? 1 : 0;
                }
            }
        }

        foreach (WindowRecord w in windows)
        {
            if (!byId.TryGetValue(w.DeviceId, out DeviceRecord? device)
                || device.Models.FirstOrDefault(m => m.Name == model && m.Slot is null or "active")?.Version is not { } version)
            {
                continue;
            }

            Cell cell = CellOf(w.DeviceId, version);
            cell.Detections += w.Detections.GetValueOrDefault(model);
            cell.AudioSeconds += w.DurationSeconds;
            if (w.Signals.TryGetValue(model, out ImplicitSignals? s))
            {
                cell.Repeats += s.Repeats;
                cell.Unanswered += s.Unanswered;
            }
        }

        return cells.OrderBy(c => c.Key.Group, StringComparer.Ordinal).ThenBy(c => c.Key.Version, StringComparer.Ordinal)
            .Select(c => c.Value.ToRow(c.Key.Group, model, c.Key.Version)).ToList();
    }

    private static bool Overlap(ClipRecord a, ClipRecord b) =>
        a.At < b.At.AddSeconds(b.DurationSec) && b.At < a.At.AddSeconds(a.DurationSec);

    private sealed class Cell
    {
        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

        public long Labelled { get; set; }

        public long Correct { get; set; }

        public long RecallSamples { get; set; }

        public long RecallDetected { get; set; }

        public long VadLabelled { get; set; }

        public long VadAgreed { get; set; }

        public long Detections { get; set; }

        public double AudioSeconds { get; set; }

        public long Repeats { get; set; }

        public long Unanswered { get; set; }

        public QualityRow ToRow(string group, string model, string version)
        {
            Proportion precision = Proportion.Wilson(Correct, Labelled);
            Proportion recall = Proportion.Wilson(RecallDetected, RecallSamples);
            Proportion vad = Proportion.Wilson(VadAgreed, VadLabelled);
            double hours = AudioSeconds / 3600;
            return new QualityRow
            {
                Group = group, Model = model, Version = version, Devices = Devices.Count,
                LabelledDetections = Labelled, CorrectDetections = Correct, Precision = precision.Estimate, PrecisionLow = precision.Low, PrecisionHigh = precision.High,
                Detections = Detections, AudioHours = Math.Round(hours, 4),
                FalseAcceptsPerHour = hours > 0 && precision.Estimate is { } p ? Detections * (1 - p) / hours : null,
                RecallSamples = RecallSamples, RecallDetected = RecallDetected, Recall = recall.Estimate, RecallLow = recall.Low, RecallHigh = recall.High,
                VadLabelled = VadLabelled, VadAgreement = vad.Estimate, VadAgreementLow = vad.Low, VadAgreementHigh = vad.High,
                RepeatsPerHour = hours > 0 ? Repeats / hours : null, UnansweredPerHour = hours > 0 ? Unanswered / hours : null,
            };
        }
    }
}
