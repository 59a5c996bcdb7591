using System.CommandLine;
using System.Text.Json;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Onnx;
using EdgeCtl.Analysis;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;

namespace EdgeCtl.Commands;

/// <summary><c>edgectl models install|list</c>: the device's model store.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "Inspect and manage the on-device model store");
        command.Subcommands.Add(CreateInstall());
        command.Subcommands.Add(CreateList());
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
            if (result.GetValue(json))
            {
                var report = new ModelListReport(modelStore.Root, models.Select(m => m.Manifest).ToList(), problems);
                Console.Out.WriteLine(JsonSerializer.Serialize(report, ReportJsonContext.Default.ModelListReport));
            }
            else
            {
                var table = new Table().AddColumns("name", "version", "kind", "sha256", "licence", "inputs");
                foreach (InstalledModel m in models)
                {
                    string signature = string.Join(", ", m.Manifest.Inputs.Select(i => $"{i.Name}[{string.Join(',', i.Shape)}]"));
                    table.AddRow(
                        Markup.Escape(m.Name), Markup.Escape(m.Version), m.Kind, m.Manifest.Sha256[..12],
                        Markup.Escape(m.Manifest.Licence ?? "-"), Markup.Escape(signature));
                }

                AnsiConsole.MarkupLine($"model store [bold]{Markup.Escape(modelStore.Root)}[/]");
                AnsiConsole.Write(table);
                foreach (string problem in problems)
                {
                    Console.Error.WriteLine($"edgectl: {problem}");
                }
            }

            return models.Count == 0 ? ExitCodes.ModelsMissing : ExitCodes.Ok;
        });
        return command;
    }
}
