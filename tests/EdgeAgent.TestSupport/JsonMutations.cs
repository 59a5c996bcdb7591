using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace EdgeAgent.TestSupport;

/// <summary>Ways to damage a well-formed JSON document, for property tests of whatever parses what clients send.</summary>
public static class JsonMutations
{
    /// <summary>Values a hostile client puts where a field was: wrong types, extremes, control characters, deep nesting.</summary>
    public static readonly Gen<JsonNode?> HostileValue = Gen.OneOf(
        Gen.Const((JsonNode?)null),
        Gen.OneOf("", "\0", "a\n", "nl-dev\n", "x\u0000y", new string('k', 5000), "ok", "drift", "alarm", "fault", "online",
            "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "NaN", "-Infinity", "AAAA", "////").Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.OneOf(0d, -1d, 1e308, -1e308, 9.223372036854775807e18, 1.8446744073709551615e19, 0.5).Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.OneOf(long.MaxValue, long.MinValue, int.MaxValue, 2L).Select(l => (JsonNode?)JsonValue.Create(l)),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Int[1, 60].Select(depth => JsonNode.Parse(new string('[', depth) + new string(']', depth))),
        Gen.Int[1, 300].Select(n => (JsonNode?)new JsonObject(Enumerable.Range(0, n).Select(i => KeyValuePair.Create<string, JsonNode?>($"kw{i}\0", 1)))),
        Gen.Byte.Array[0, 400].Select(b => (JsonNode?)JsonValue.Create(Convert.ToBase64String(b))));

    /// <summary>Replaces (0), removes (1) or adds beside (2) the <paramref name="at"/>-th node of the document.</summary>
    public static byte[] Mutate(JsonNode seed, int at, JsonNode? value, int how)
    {
        JsonNode doc = seed.DeepClone();
        var slots = new List<(JsonNode Parent, string? Key, int Index)>();
        Collect(doc, slots);
        (JsonNode parent, string? key, int index) = slots[at % slots.Count];
        switch (parent, how)
        {
            case (JsonObject o, 0): o[key!] = value; break;
            case (JsonObject o, 1): o.Remove(key!); break;
            case (JsonObject o, _): o[key + "x"] = value; break;
            case (JsonArray a, 0): a[index] = value; break;
            case (JsonArray a, 1): a.RemoveAt(index); break;
            case (JsonArray a, _): a.Add(value); break;
        }

        return Encoding.UTF8.GetBytes(doc.ToJsonString());
    }

    public static byte[] Edit(JsonNode seed, (int At, byte Value)[] edits, int cut)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(seed.ToJsonString());
        foreach ((int at, byte value) in edits)
        {
            bytes[at % bytes.Length] = value;
        }

        return cut % 5 == 0 ? bytes[..(cut % bytes.Length)] : bytes;
    }

    private static void Collect(JsonNode node, List<(JsonNode, string?, int)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach ((string key, JsonNode? child) in o.ToList())
                {
                    slots.Add((o, key, 0));
                    if (child is not null)
                    {
                        Collect(child, slots);
                    }
                }

                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    slots.Add((a, null, i));
                    if (a[i] is { } child)
                    {
                        Collect(child, slots);
                    }
                }

                break;
        }
    }
}
