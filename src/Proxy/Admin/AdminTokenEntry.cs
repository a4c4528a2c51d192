using System.ComponentModel;

namespace Proxy.Admin;

/// <summary>
/// One entry of <c>Admin:Tokens</c>: a plain string (a token of role admin, as before roles existed, named by its
/// key) or an object with <c>Name</c>, <c>Token</c> and <c>Role</c>. The converter lets the configuration binder take
/// the plain form as well as the object.
/// </summary>
[TypeConverter(typeof(AdminTokenEntryConverter))]
internal sealed class AdminTokenEntry
{
    public string? Name { get; set; }

    public string? Token { get; set; }

    /// <summary><c>admin</c> or <c>read</c>; required in the object form, so a forgotten role never grants more.</summary>
    public string? Role { get; set; }

    /// <summary>True for the plain-string form (not bindable: the binder sets public setters only).</summary>
    public bool Plain { get; private init; }

    public static AdminTokenEntry FromPlain(string token) => new() { Token = token, Role = AdminRoles.AdminName, Plain = true };

    /// <summary>The entry's name in the audit log and whoami: its own, or its configuration key.</summary>
    public string NameAt(int index) => string.IsNullOrWhiteSpace(Name) ? $"{AdminOptions.SectionName}:Tokens:{index}" : Name.Trim();
}

/// <summary>Reads a plain <c>Admin:Tokens:&lt;n&gt;</c> string as an entry of role admin.</summary>
internal sealed class AdminTokenEntryConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, System.Globalization.CultureInfo? culture, object value) =>
        value is string token ? AdminTokenEntry.FromPlain(token) : base.ConvertFrom(context, culture, value);
}
