using System.CommandLine;
using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Slots;
using EdgeCtl.Analysis;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace EdgeCtl.Commands;

/// <summary><c>edgectl models install|list|rollback|pin|unpin</c>: the device's model store and its slots.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "Inspect and manage the on-device model store");
        command.Subcommands.Add(CreateInstall());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRollback());
        command.Subcommands.Add(CreatePin());
        command.Subcommands.Add(CreateUnpin());
        return command;
    }

    private static Command CreateInstall()
    {
        var file = new Argument<string>("model.onnx") { Description = "The ONNX file to install" };
        var store = PipelineOptions.CreateModelsOption();
        var name = new Option<string>("--name") { Description = "Model name (e.g. hey_jarvis)", Required = true };
        var version = new Option<string>("--version") { Description = "Model version (e.g. 0.1)", Required = true };
        var kind = new Option<string>("--kind") { Description = "vad, keyword, mel or embedding", Required = true };
        var sha = new Option<string>("--sha256") { Description = "Expected sha256 of the file", Required = true };
        var source = new Option<string?>("--source") { Description = "Where the file came from" };
        var licence = new Option<string?>("--licence") { Description = "The model's licence" };
        var command = new Command("install", "Verify a model file, read its tensor signature and add it to the store");
        command.Arguments.Add(file);
        foreach (Option option in new Option[] { store, name, version, kind, sha, source, licence })
        {
            command.Options.Add(option);
        }

        command.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CliException($"{path}: no such file");
            }

            TensorSignature[] inputs, outputs;
            using (InferenceSession session = OnnxSessions.Open(path, new OnnxOptions()))
            {
                inputs = OnnxSessions.Signature(session.InputMetadata);
                outputs = OnnxSessions.Signature(session.OutputMetadata);
            }

            var manifest = new ModelManifest
            {
                Name = result.GetValue(name)!,
                Version = result.GetValue(version)!,
                Kind = result.GetValue(kind)!,
                Sha256 = result.GetValue(sha)!.ToLowerInvariant(),
                Source = result.GetValue(source),
                Licence = result.GetValue(licence),
                Inputs = inputs,
                Outputs = outputs,
                InstalledAt = DateTimeOffset.UtcNow,
            };
            InstalledModel installed = new ModelStore(result.GetValue(store)!).Install(path, manifest);
            Console.Out.WriteLine($"installed {installed} ({installed.Kind}) in {Path.GetDirectoryName(installed.ModelPath)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateList()
    {
        var store = PipelineOptions.CreateModelsOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout" };
        var command = new Command("list", "List the installed models");
        command.Options.Add(store);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            var modelStore = new ModelStore(result.GetValue(store)!);
            IReadOnlyList<InstalledModel> models = modelStore.List(out IReadOnlyList<string> problems);
            SlotsDocument slots = ModelSlots.Read(modelStore.Root);
            IReadOnlyList<TechnicianIntent> pending = IntentQueue.Pending(modelStore.Root, slots);
            if (result.GetValue(json))
            {
                var report = new ModelListReport(modelStore.Root, models.Select(m => m.Manifest).ToList(), problems, slots.Models, pending);
                Console.Out.WriteLine(JsonSerializer.Serialize(report, ReportJsonContext.Default.ModelListReport));
            }
            else
            {
                var table = new Table().AddColumns("name", "version", "slot", "kind", "sha256", "licence", "inputs");
                foreach (InstalledModel m in models)
                {
                    string signature = string.Join(", ", m.Manifest.Inputs.Select(i => $"{i.Name}[{string.Join(',', i.Shape)}]"));
                    table.AddRow(
                        Markup.Escape(m.Name), Markup.Escape(m.Version), SlotOf(slots.For(m.Name), m.Version), m.Kind, m.Manifest.Sha256[..12],
                        Markup.Escape(m.Manifest.Licence ?? "-"), Markup.Escape(signature));
                }

                AnsiConsole.MarkupLine($"model store [bold]{Markup.Escape(modelStore.Root)}[/]");
                AnsiConsole.Write(table);
                foreach (TechnicianIntent intent in pending)
                {
                    Console.Out.WriteLine($"pending intent {intent} by {intent.By} at {intent.At:u}: the agent applies it at its next tick, or at its next start");
                }

                foreach (string problem in problems)
                {
                    Console.Error.WriteLine($"edgectl: {problem}");
                }
            }

            return models.Count == 0 ? ExitCodes.ModelsMissing : ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRollback()
    {
        var name = new Argument<string?>("name") { Description = "The model to roll back (default: the only one with a previous version)", Arity = ArgumentArity.ZeroOrOne };
        var store = PipelineOptions.CreateModelsOption();
        var command = new Command("rollback", "Go back to the previous version of a model; the agent switches within seconds (or at its next start), without the cloud");
        command.Arguments.Add(name);
        command.Options.Add(store);
        command.SetAction(result =>
        {
            var modelStore = new ModelStore(result.GetValue(store)!);
            string target = result.GetValue(name) ?? OnlyRollbackCandidate(Effective(modelStore));
            (TechnicianIntent intent, ModelSlot slot) = Ask(modelStore, new TechnicianIntent { Kind = IntentKind.Rollback, Name = target, By = "edgectl models rollback" });
            Console.Out.WriteLine($"{target}: now {slot.Active} (was {slot.Previous}); intent #{intent.Seq} written: the agent switches (now, or at its next start) and reports it to the cloud when connected");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePin()
    {
        var spec = new Argument<string>("name@version") { Description = "The model and the version to keep running" };
        var store = PipelineOptions.CreateModelsOption();
        var command = new Command("pin", "Keep a model at one version: it runs that version and rollouts leave it alone");
        command.Arguments.Add(spec);
        command.Options.Add(store);
        command.SetAction(result =>
        {
            string value = result.GetValue(spec)!;
            int at = value.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0 || at == value.Length - 1)
            {
                throw new CliException($"'{value}': expected name@version, e.g. silero_vad@v5");
            }

            (TechnicianIntent intent, ModelSlot slot) = Ask(
                new ModelStore(result.GetValue(store)!), new TechnicianIntent { Kind = IntentKind.Pin, Name = value[..at], Version = value[(at + 1)..], By = "edgectl models pin" });
            Console.Out.WriteLine($"{value[..at]}: pinned to {slot.Pinned} (intent #{intent.Seq}; the agent switches now, or at its next start)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateUnpin()
    {
        var name = new Argument<string>("name") { Description = "The pinned model" };
        var store = PipelineOptions.CreateModelsOption();
        var command = new Command("unpin", "Remove a pin: the model's active version runs again and rollouts may change it");
        command.Arguments.Add(name);
        command.Options.Add(store);
        command.SetAction(result =>
        {
            (TechnicianIntent intent, ModelSlot slot) = Ask(
                new ModelStore(result.GetValue(store)!), new TechnicianIntent { Kind = IntentKind.Unpin, Name = result.GetValue(name)!, By = "edgectl models unpin" });
            Console.Out.WriteLine($"{result.GetValue(name)}: unpinned, serving {slot.Active} (intent #{intent.Seq})");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Checks <paramref name="intent"/> against the slots as the pending intents will leave them (the same rules the agent
    /// applies), then writes it for the agent: edgectl never edits the slots itself.
    /// </summary>
    private static (TechnicianIntent Intent, ModelSlot Slot) Ask(ModelStore store, TechnicianIntent intent)
    {
        ModelSlot slot = SlotChanges.Apply(Effective(store), intent, (n, v) => Installed(store, n, v)); // says why it cannot be
        return (IntentQueue.Add(store.Root, intent with { At = DateTimeOffset.UtcNow }), slot);
    }

    /// <summary>The slots once the pending intents are applied (an intent that cannot apply is skipped, as the agent does).</summary>
    private static SlotsDocument Effective(ModelStore store)
    {
        SlotsDocument slots = ModelSlots.Read(store.Root);
        foreach (TechnicianIntent pending in IntentQueue.Pending(store.Root, slots))
        {
            try
            {
                slots = slots.With(pending.Name, SlotChanges.Apply(slots, pending, (n, v) => Installed(store, n, v)));
            }
            catch (ModelStoreException)
            {
                // The agent refuses it too.
            }
        }

        return slots;
    }

    private static bool Installed(ModelStore store, string name, string version) => store.List().Any(m => m.Name == name && m.Version == version);

    private static string OnlyRollbackCandidate(SlotsDocument slots)
    {
        List<string> names = slots.Models.Where(m => m.Value.Previous is not null && m.Value.Pinned is null).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
        return names.Count switch
        {
            1 => names[0],
            0 => throw new CliException("no model has a previous version to go back to"),
            _ => throw new CliException($"several models have a previous version ({string.Join(", ", names)}); name one"),
        };
    }

    private static string SlotOf(ModelSlot? slot, string version) => slot switch
    {
        null => "-",
        { Pinned: { } p } when p == version => "pinned",
        _ when slot.Active == version => slot.Pinned is null ? "active" : "active (pinned away)",
        _ when slot.Previous == version => "previous",
        _ when slot.Candidate == version => "candidate (" + slot.CandidateMode + ")",
        _ => "-",
    };
}
