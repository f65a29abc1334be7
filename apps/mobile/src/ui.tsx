/** Small building blocks: buttons and fields with ≥ 44 pt targets, themed. */
import type { ReactNode } from 'react';
import { Pressable, StyleSheet, Text, TextInput, type TextInputProps, View } from 'react-native';
import { TOUCH, useTheme } from './theme.ts';

export function Button({
  label,
  onPress,
  kind = 'primary',
  disabled,
  onLongPress,
  accessibilityLabel,
}: {
  label: string;
  onPress: () => void;
  kind?: 'primary' | 'plain' | 'danger';
  disabled?: boolean;
  onLongPress?: () => void;
  accessibilityLabel?: string;
}) {
  const t = useTheme();
  const bg = kind === 'primary' ? t.accent : 'transparent';
  const fg = kind === 'primary' ? '#fff' : kind === 'danger' ? t.danger : t.accent;
  return (
    <Pressable
      role="button"
      aria-label={accessibilityLabel ?? label}
      aria-disabled={disabled ?? false}
      disabled={disabled}
      onPress={onPress}
      {...(onLongPress ? { onLongPress } : {})}
      style={({ pressed }) => [
        styles.button,
        {
          backgroundColor: bg,
          borderColor: kind === 'primary' ? bg : t.border,
          opacity: pressed || disabled ? 0.6 : 1,
        },
      ]}
    >
      <Text style={[styles.buttonText, { color: fg }]}>{label}</Text>
    </Pressable>
  );
}

export function Field({ label, ...props }: TextInputProps & { label: string }) {
  const t = useTheme();
  return (
    <View style={styles.field}>
      <Text style={[styles.label, { color: t.muted }]}>{label}</Text>
      <TextInput
        aria-label={label}
        placeholderTextColor={t.muted}
        style={[styles.input, { color: t.text, borderColor: t.border, backgroundColor: t.card }]}
        {...props}
      />
    </View>
  );
}

export function Card({ children }: { children: ReactNode }) {
  const t = useTheme();
  return <View style={[styles.card, { backgroundColor: t.card, borderColor: t.border }]}>{children}</View>;
}

export function ErrorText({ message }: { message: string | undefined }) {
  const t = useTheme();
  if (!message) return null;
  return (
    <Text role="alert" style={[styles.error, { color: t.danger }]}>
      {message}
    </Text>
  );
}

/** A row of choices (status filter, project filter): one pressable chip each. */
export function Chips<V extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: V;
  options: readonly { value: V; label: string; color?: string | null }[];
  onChange: (v: V) => void;
}) {
  const t = useTheme();
  return (
    <View role="radiogroup" aria-label={label} style={styles.chips}>
      {options.map((o) => {
        const on = o.value === value;
        return (
          <Pressable
            key={o.value}
            role="radio"
            aria-checked={on}
            aria-label={o.label}
            onPress={() => onChange(o.value)}
            style={[
              styles.chip,
              {
                borderColor: o.color ?? t.border,
                backgroundColor: on ? (o.color ?? t.accent) : 'transparent',
              },
            ]}
          >
            <Text style={{ color: on ? '#fff' : t.text }}>{o.label}</Text>
          </Pressable>
        );
      })}
    </View>
  );
}

export const styles = StyleSheet.create({
  button: {
    minHeight: TOUCH,
    minWidth: TOUCH,
    paddingHorizontal: 14,
    borderRadius: 10,
    borderWidth: 1,
    alignItems: 'center',
    justifyContent: 'center',
  },
  buttonText: { fontSize: 16, fontWeight: '600' },
  field: { gap: 4 },
  label: { fontSize: 13 },
  input: { minHeight: TOUCH, borderWidth: 1, borderRadius: 10, paddingHorizontal: 12, fontSize: 16 },
  card: { borderWidth: 1, borderRadius: 12, padding: 12, gap: 10 },
  error: { fontSize: 14 },
  chips: { flexDirection: 'row', flexWrap: 'wrap', gap: 6 },
  chip: {
    minHeight: TOUCH,
    paddingHorizontal: 12,
    borderRadius: 22,
    borderWidth: 1,
    justifyContent: 'center',
  },
  row: { flexDirection: 'row', alignItems: 'center', gap: 8 },
  screen: { padding: 12, gap: 12 },
  title: { fontSize: 20, fontWeight: '700' },
});
