namespace Proxy.Metering;

/// <summary>Who spoke in a <c>ConversationText</c> and how many characters their <c>content</c> has; the default
/// (role <see cref="ConversationRole.Unknown"/>) when it could not be told.</summary>
internal readonly record struct ConversationTextCount(ConversationRole Role, long Chars);
