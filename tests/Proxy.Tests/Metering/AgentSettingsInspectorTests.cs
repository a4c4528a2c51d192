using System.Text;
using Proxy.Metering;

namespace Proxy.Tests.Metering;

public sealed class AgentSettingsInspectorTests
{
    // Shaped like the Settings of Deepgram's Voice Agent API v1, with fields the proxy does not read.
    private const string RealisticSettings = """
        {
          "type": "Settings",
          "tags": ["support", "eu-west"],
          "experimental": false,
          "mip_opt_out": true,
          "flags": { "history": true },
          "audio": {
            "input": { "encoding": "linear16", "sample_rate": 24000 },
            "output": { "encoding": "linear16", "sample_rate": 24000, "container": "none" }
          },
          "agent": {
            "language": "en",
            "context": { "messages": [ { "type": "History", "role": "user", "content": "hi" } ] },
            "listen": { "provider": { "type": "deepgram", "model": "nova-3", "keyterms": ["refund"], "smart_format": true } },
            "think": {
              "provider": { "type": "open_ai", "model": "gpt-4o-mini", "temperature": 0.7 },
              "endpoint": { "url": "https://example.invalid/v1", "headers": { "authorization": "Bearer x" } },
              "prompt": "You are a helpful support agent. \"Quoted\" and {braces}.",
              "functions": [ { "name": "lookup", "description": "d", "parameters": { "type": "object" } } ]
            },
            "speak": { "provider": { "type": "deepgram", "model": "aura-2-thalia-en" } },
            "greeting": "Hello! How can I help?"
          }
        }
        """;

    [Fact]
    public void Realistic_settings_give_the_speak_provider_the_output_audio_and_every_model()
    {
        var summary = Inspect(RealisticSettings);

        Assert.Equal("deepgram", summary.SpeakProvider);
        Assert.Equal("linear16", summary.OutputEncoding);
        Assert.Equal(24_000, summary.OutputSampleRate);
        Assert.Equal(["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en"], summary.Models);
    }

    [Fact]
    public void Fallback_providers_are_each_a_model_seen()
    {
        var summary = Inspect("""
            {"agent":{"think":[{"provider":{"type":"open_ai","model":"gpt-4o"}},{"provider":{"type":"anthropic","model":"claude-3-5-haiku-latest"}}],
                      "speak":{"provider":[{"type":"deepgram","model":"aura-2-thalia-en"},{"type":"eleven_labs","model":"eleven_turbo_v2_5"}]}}}
            """);

        Assert.Equal(["think:gpt-4o", "think:claude-3-5-haiku-latest", "speak:aura-2-thalia-en", "speak:eleven_turbo_v2_5"], summary.Models);
        Assert.Equal("deepgram,eleven_labs", summary.SpeakProvider);
    }

    [Theory]
    [InlineData("""{"audio":{"output":{"encoding":"mulaw","sample_rate":8000.0}}}""", "mulaw", 8000)]
    [InlineData("""{"audio":{"output":{"encoding":"alaw","sample_rate":8000.5}}}""", "alaw", null)]
    [InlineData("""{"audio":{"output":{"sample_rate":"16000"}}}""", null, null)]
    [InlineData("""{"audio":{"output":{"encoding":"linear16","sample_rate":0}}}""", "linear16", null)]
    public void Output_audio_is_read_with_a_whole_positive_sample_rate(string json, string? encoding, int? rate)
    {
        var summary = Inspect(json);

        Assert.Equal(encoding, summary.OutputEncoding);
        Assert.Equal(rate, summary.OutputSampleRate);
    }

    [Theory]
    [InlineData("""{"type":"UpdateSpeak","speak":{"provider":{"type":"deepgram","model":"aura-2-andromeda-en"}}}""", "speak", "speak:aura-2-andromeda-en")]
    [InlineData("""{"type":"UpdateSpeak","speak":{"provider":{"type":"deepgram","version":"v2","model":"flux-alexis-en"}}}""", "speak", "speak:flux-alexis-en")]
    [InlineData("""{"type":"UpdateThink","think":{"provider":{"type":"open_ai","model":"gpt-4o"},"prompt":"Be brief."}}""", "think", "think:gpt-4o")]
    public void A_model_update_gives_its_stage_and_model(string json, string stage, string expected)
    {
        Assert.Equal([expected], AgentSettingsInspector.InspectModelUpdate(Encoding.UTF8.GetBytes(json), stage));
    }

    [Theory]
    [InlineData("""{"type":"UpdateSpeak","speak":{"provider":{"type":"deepgram"}}}""")]
    [InlineData("""{"type":"UpdateSpeak","think":{"provider":{"model":"gpt-4o"}}}""")]
    [InlineData("""{"type":"UpdateSpeak","speak":"aura"}""")]
    [InlineData("{\"type\":\"UpdateSpeak\",\"speak\":{\"provider\":{\"model\":\"aura")]
    [InlineData("[]")]
    public void A_model_update_without_a_readable_model_gives_none(string json)
    {
        Assert.Empty(AgentSettingsInspector.InspectModelUpdate(Encoding.UTF8.GetBytes(json), "speak"));
    }

    [Fact]
    public void Realistic_settings_give_models_tags_and_input_audio()
    {
        var summary = Inspect(RealisticSettings);

        Assert.True(summary.Readable);
        Assert.Equal("nova-3", summary.ListenModel);
        Assert.Equal("open_ai", summary.ThinkProvider);
        Assert.Equal("gpt-4o-mini", summary.ThinkModel);
        Assert.Equal("aura-2-thalia-en", summary.SpeakModel);
        Assert.Null(summary.AgentConfigId);
        Assert.Equal(["support", "eu-west"], summary.Tags);
        Assert.Equal("linear16", summary.InputEncoding);
        Assert.Equal(24000, summary.InputSampleRate);
    }

    [Fact]
    public void Provider_given_as_an_array_joins_the_models_in_order()
    {
        var summary = Inspect("""
            {"type":"Settings","agent":{
              "listen":{"provider":[{"type":"deepgram","model":"nova-3"},{"type":"deepgram","model":"nova-2"}]},
              "think":{"provider":[{"type":"open_ai","model":"gpt-4o"},"not an object",{"type":"anthropic","model":"claude-3-5-haiku"}]}
            }}
            """);

        Assert.Equal("nova-3,nova-2", summary.ListenModel);
        Assert.Equal("open_ai,anthropic", summary.ThinkProvider);
        Assert.Equal("gpt-4o,claude-3-5-haiku", summary.ThinkModel);
    }

    [Fact]
    public void Think_given_as_an_array_of_stages_reads_each_provider()
    {
        var summary = Inspect("""
            {"type":"Settings","agent":{"think":[
              {"provider":{"type":"open_ai","model":"gpt-4o-mini"},"prompt":"p"},
              {"provider":{"type":"google","model":"gemini-2.0-flash"}},
              {"prompt":"no provider"}
            ]}}
            """);

        Assert.Equal("open_ai,google", summary.ThinkProvider);
        Assert.Equal("gpt-4o-mini,gemini-2.0-flash", summary.ThinkModel);
        Assert.Null(summary.ListenModel);
        Assert.Null(summary.SpeakModel);
    }

    [Fact]
    public void Speak_given_as_an_array_skips_providers_without_a_model()
    {
        var summary = Inspect("""
            {"type":"Settings","agent":{"speak":[
              {"provider":{"type":"deepgram","model":"aura-2-thalia-en"}},
              {"provider":{"type":"eleven_labs","model_id":"eleven_turbo_v2_5"}},
              {"provider":{"type":"deepgram","model":"aura-2-andromeda-en"}}
            ]}}
            """);

        Assert.Equal("aura-2-thalia-en,aura-2-andromeda-en", summary.SpeakModel);
    }

    [Fact]
    public void Agent_given_as_a_string_is_a_stored_configuration_id()
    {
        var summary = Inspect("""{"type":"Settings","agent":"agent-config-7f3a","tags":["x"]}""");

        Assert.True(summary.Readable);
        Assert.Equal("agent-config-7f3a", summary.AgentConfigId);
        Assert.Null(summary.ListenModel);
        Assert.Null(summary.ThinkProvider);
        Assert.Null(summary.ThinkModel);
        Assert.Null(summary.SpeakModel);
        Assert.Equal(["x"], summary.Tags);
    }

    [Theory]
    [InlineData("""{"type":"Settings","agent":42}""")]
    [InlineData("""{"type":"Settings","agent":null}""")]
    [InlineData("""{"type":"Settings","agent":[{"listen":{}}]}""")]
    [InlineData("""{"type":"Settings"}""")]
    public void Agent_missing_or_of_another_kind_gives_no_models(string json)
    {
        var summary = Inspect(json);

        Assert.True(summary.Readable);
        Assert.Null(summary.AgentConfigId);
        Assert.Null(summary.ListenModel);
        Assert.Null(summary.ThinkModel);
        Assert.Null(summary.SpeakModel);
    }

    [Theory]
    [InlineData("""{"agent":{"listen":{"provider":"deepgram"}}}""")]
    [InlineData("""{"agent":{"listen":{"provider":{"model":5}}}}""")]
    [InlineData("""{"agent":{"listen":"nova-3"}}""")]
    [InlineData("""{"agent":{"listen":{"model":"nova-3"}}}""")]
    public void Listen_model_in_an_unexpected_shape_is_not_read(string json)
    {
        Assert.Null(Inspect(json).ListenModel);
    }

    [Fact]
    public void Non_string_tags_are_ignored()
    {
        Assert.Equal(["a", "b"], Inspect("""{"tags":["a",1,null,true,{"x":"y"},["z"],"b"]}""").Tags);
    }

    [Fact]
    public void At_most_32_tags_are_kept()
    {
        var tags = Enumerable.Range(0, 40).Select(i => $"t{i}").ToArray();
        var json = "{\"tags\":[" + string.Join(',', tags.Select(t => $"\"{t}\"")) + "]}";

        Assert.Equal(tags[..32], Inspect(json).Tags);
    }

    [Theory]
    [InlineData("""{"tags":"support"}""")]
    [InlineData("""{"tags":null}""")]
    [InlineData("""{}""")]
    public void Tags_that_are_not_an_array_give_no_tags(string json)
    {
        Assert.Empty(Inspect(json).Tags);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"type\":\"Settings\",\"agent\":{\"listen\":")]
    [InlineData("{'type':'Settings'}")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"Settings\"")]
    [InlineData("null")]
    public void Broken_or_non_object_json_is_unreadable(string json)
    {
        var summary = Inspect(json);

        Assert.Same(AgentSettingsSummary.Unreadable, summary);
        Assert.False(summary.Readable);
    }

    [Fact]
    public void Nesting_deeper_than_64_levels_is_unreadable()
    {
        var json = "{\"a\":" + new string('[', 100) + new string(']', 100) + "}";

        Assert.False(Inspect(json).Readable);
    }

    [Fact]
    public void Invalid_utf8_in_a_read_value_is_unreadable_not_an_exception()
    {
        byte[] json = [.. "{\"type\":\"Settings\",\"tags\":[\"ok\",\""u8, 0xC3, 0x28, .. "\"]}"u8];

        Assert.False(AgentSettingsInspector.Inspect(json).Readable);
    }

    [Fact]
    public void Unknown_fields_everywhere_are_ignored()
    {
        var summary = Inspect("""
            {"future":{"nested":[1,2,3]},"agent":{"unknown":true,"listen":{"provider":{"type":"deepgram","model":"nova-3","new_knob":1},"extra":[]}},"type":"Settings"}
            """);

        Assert.True(summary.Readable);
        Assert.Equal("nova-3", summary.ListenModel);
    }

    [Fact]
    public void Values_longer_than_128_characters_are_cut_to_128()
    {
        var longValue = new string('m', 100) + new string('n', 100);
        var expected = new string('m', 100) + new string('n', 28);
        var json = "{\"tags\":[\"" + longValue + "\"],\"audio\":{\"input\":{\"encoding\":\"" + longValue + "\"}},"
            + "\"agent\":{\"listen\":{\"provider\":{\"model\":\"" + longValue + "\"}},"
            + "\"think\":{\"provider\":{\"type\":\"" + longValue + "\",\"model\":\"" + longValue + "\"}},"
            + "\"speak\":{\"provider\":{\"model\":\"" + longValue + "\"}}}}";

        var summary = Inspect(json);

        Assert.Equal(expected, summary.ListenModel);
        Assert.Equal(expected, summary.ThinkProvider);
        Assert.Equal(expected, summary.ThinkModel);
        Assert.Equal(expected, summary.SpeakModel);
        Assert.Equal(expected, summary.InputEncoding);
        Assert.Equal([expected], summary.Tags);
    }

    [Fact]
    public void Joined_models_are_cut_to_128_characters_as_a_whole()
    {
        var model = new string('a', 100);
        var json = "{\"agent\":{\"listen\":{\"provider\":[{\"model\":\"" + model + "\"},{\"model\":\"" + model + "\"}]}}}";

        Assert.Equal(model + "," + new string('a', 27), Inspect(json).ListenModel);
    }

    [Fact]
    public void Agent_configuration_id_is_cut_to_128_characters()
    {
        Assert.Equal(new string('c', 128), Inspect($$"""{"agent":"{{new string('c', 300)}}"}""").AgentConfigId);
    }

    [Theory]
    [InlineData("""{"audio":{"input":{"encoding":"mulaw","sample_rate":8000}}}""", "mulaw", 8000)]
    [InlineData("""{"audio":{"input":{"encoding":"linear16","sample_rate":"16000"}}}""", "linear16", null)]
    [InlineData("""{"audio":{"input":{"encoding":"linear16","sample_rate":0}}}""", "linear16", null)]
    [InlineData("""{"audio":{"input":{"encoding":"linear16","sample_rate":-16000}}}""", "linear16", null)]
    [InlineData("""{"audio":{"input":{"encoding":"linear16","sample_rate":16000.5}}}""", "linear16", null)]
    [InlineData("""{"audio":{"input":{"encoding":"linear16","sample_rate":99999999999}}}""", "linear16", null)]
    [InlineData("""{"audio":{"input":{"encoding":7,"sample_rate":16000}}}""", null, 16000)]
    [InlineData("""{"audio":{"output":{"encoding":"mp3","sample_rate":24000}}}""", null, null)]
    [InlineData("""{"audio":"linear16"}""", null, null)]
    public void Input_audio_format_is_read_only_when_well_typed(string json, string? encoding, int? sampleRate)
    {
        var summary = Inspect(json);

        Assert.Equal(encoding, summary.InputEncoding);
        Assert.Equal(sampleRate, summary.InputSampleRate);
    }

    private static AgentSettingsSummary Inspect(string json) => AgentSettingsInspector.Inspect(Encoding.UTF8.GetBytes(json));
}
