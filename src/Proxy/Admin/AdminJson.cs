using System.Text.Encodings.Web;
using System.Text.Json;

namespace Proxy.Admin;

/// <summary>Serializer options of the admin API: the source-generated contract, written readably (an operator reads
/// these responses in a terminal; nothing here is embedded in HTML).</summary>
internal static class AdminJson
{
    public static readonly JsonSerializerOptions Options = new(AdminJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
