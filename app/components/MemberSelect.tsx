import type { Member } from "../../db/directory/people.server";

type Props = {
  name: string;
  members: Member[];
  /** The first option, meaning "nobody chosen" (its value is empty). */
  emptyLabel: string;
  defaultValue?: string;
  className?: string;
};

/**
 * A plain `<select>` of the active organization's members, so picking a
 * person works without JavaScript and from the keyboard. The caller labels
 * it. Two people of one name are told apart by their ids.
 */
export function MemberSelect({ name, members, emptyLabel, defaultValue = "", className }: Props) {
  const names = new Map<string, number>();
  for (const member of members) names.set(member.name, (names.get(member.name) ?? 0) + 1);
  const label = (member: Member) => {
    const details = [
      member.role?.replace(/^org:/, ""),
      (names.get(member.name) ?? 0) > 1 ? member.id : null,
    ].filter(Boolean);
    return details.length ? `${member.name} (${details.join(", ")})` : member.name;
  };
  // A value from the URL that is nobody's now (say, a filter on someone who left) stays selectable.
  const former =
    defaultValue && !members.some((member) => member.id === defaultValue) ? defaultValue : null;
  return (
    <select name={name} defaultValue={defaultValue} className={className}>
      <option value="">{emptyLabel}</option>
      {members.map((member) => (
        <option key={member.id} value={member.id} title={member.id}>
          {label(member)}
        </option>
      ))}
      {former ? <option value={former}>former member ({former})</option> : null}
    </select>
  );
}
