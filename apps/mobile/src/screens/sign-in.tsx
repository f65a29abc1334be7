import type { AppController } from '@selftracker/ui/shared';
import { messageOf } from '@selftracker/ui/shared';
import { useState } from 'react';
import { KeyboardAvoidingView, Platform, ScrollView, Text, View } from 'react-native';
import { useTheme } from '../theme.ts';
import { Button, ErrorText, Field, styles } from '../ui.tsx';

/** Email, password and the server's address; "Sign in" or "Create account". */
export function SignInScreen({
  controller,
  notice,
}: {
  controller: AppController;
  notice?: string | undefined;
}) {
  const t = useTheme();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [server, setServer] = useState(controller.server);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const submit = (mode: 'login' | 'signup') => {
    setBusy(true);
    setError(undefined);
    controller
      .authenticate(mode, email.trim(), password, server)
      .catch((e: unknown) => setError(messageOf(e)))
      .finally(() => setBusy(false));
  };
  return (
    <KeyboardAvoidingView behavior={Platform.OS === 'ios' ? 'padding' : undefined} style={{ flex: 1 }}>
      <ScrollView
        contentContainerStyle={[styles.screen, { paddingTop: 32 }]}
        keyboardShouldPersistTaps="handled"
      >
        <Text role="heading" style={[styles.title, { color: t.text, fontSize: 28 }]}>
          SelfTracker
        </Text>
        {notice ? <Text style={{ color: t.muted }}>{notice}</Text> : null}
        <Field
          label="Email"
          value={email}
          onChangeText={setEmail}
          autoCapitalize="none"
          autoComplete="email"
          keyboardType="email-address"
          inputMode="email"
        />
        <Field
          label="Password"
          value={password}
          onChangeText={setPassword}
          secureTextEntry
          autoComplete="password"
        />
        <Field
          label="Server"
          value={server}
          onChangeText={setServer}
          autoCapitalize="none"
          autoCorrect={false}
          keyboardType="url"
          inputMode="url"
          onSubmitEditing={() => submit('login')}
        />
        <ErrorText message={error} />
        <View style={styles.row}>
          <Button label="Sign in" onPress={() => submit('login')} disabled={busy} />
          <Button label="Create account" kind="plain" onPress={() => submit('signup')} disabled={busy} />
        </View>
      </ScrollView>
    </KeyboardAvoidingView>
  );
}
