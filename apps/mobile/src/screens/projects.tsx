import {
  isOptimisticId,
  type Project,
  useCreateProject,
  useProjects,
  useUpdateProject,
} from '@selftracker/react';
import { messageOf, PROJECT_COLORS } from '@selftracker/ui/shared';
import { useState } from 'react';
import { FlatList, Pressable, RefreshControl, Switch, Text, TextInput, View } from 'react-native';
import { TOUCH, useTheme } from '../theme.ts';
import { Button, ErrorText, Field, styles } from '../ui.tsx';
import { useRefresh } from './tasks.tsx';

/** Projects: add, rename (tap the name), colour, archive; archived ones on demand. */
export function ProjectsScreen() {
  const t = useTheme();
  const [showArchived, setShowArchived] = useState(false);
  const projects = useProjects(showArchived ? {} : { archived: false }).data ?? [];
  const create = useCreateProject();
  const update = useUpdateProject();
  const [name, setName] = useState('');
  const refresh = useRefresh();
  const add = () => {
    const n = name.trim();
    if (!n) return;
    setName('');
    create.mutate({ name: n, color: PROJECT_COLORS[projects.length % PROJECT_COLORS.length] ?? null });
  };
  const error = create.error ?? update.error;
  return (
    <FlatList
      data={projects}
      keyExtractor={(p) => p.id}
      role="list"
      aria-label="Projects"
      contentContainerStyle={styles.screen}
      refreshControl={<RefreshControl {...refresh} />}
      keyboardShouldPersistTaps="handled"
      ListHeaderComponent={
        <View style={{ gap: 10 }}>
          <View style={[styles.row, { alignItems: 'flex-end' }]}>
            <View style={{ flex: 1 }}>
              <Field
                label="New project"
                value={name}
                onChangeText={setName}
                onSubmitEditing={add}
                submitBehavior="submit"
              />
            </View>
            <Button label="Add project" onPress={add} />
          </View>
          <View style={styles.row}>
            <Switch value={showArchived} onValueChange={setShowArchived} aria-label="Show archived" />
            <Text style={{ color: t.text }}>Show archived</Text>
          </View>
          <ErrorText message={error ? messageOf(error) : undefined} />
        </View>
      }
      ListEmptyComponent={<Text style={{ color: t.muted }}>No projects yet.</Text>}
      renderItem={({ item }) => (
        <ProjectRow project={item} onChange={(patch) => update.mutate({ id: item.id, patch })} />
      )}
    />
  );
}

function ProjectRow({
  project,
  onChange,
}: {
  project: Project;
  onChange: (patch: { name?: string; color?: string | null; archived?: boolean }) => void;
}) {
  const t = useTheme();
  const [editing, setEditing] = useState(false);
  // A project still being created has a stand-in id: its actions wait until the real row replaces it.
  const arriving = isOptimisticId(project.id);
  const [name, setName] = useState(project.name);
  const rename = () => {
    setEditing(false);
    if (name.trim() && name.trim() !== project.name) onChange({ name: name.trim() });
  };
  return (
    <View role="listitem" style={{ borderBottomWidth: 1, borderColor: t.border, paddingVertical: 6, gap: 6 }}>
      <View style={styles.row}>
        <View style={{ width: 14, height: 14, borderRadius: 7, backgroundColor: project.color ?? t.muted }} />
        {editing ? (
          <TextInput
            aria-label="Project name"
            value={name}
            onChangeText={setName}
            onSubmitEditing={rename}
            onBlur={rename}
            autoFocus
            style={[styles.input, { flex: 1, color: t.text, borderColor: t.border }]}
          />
        ) : (
          <Pressable
            role="button"
            aria-label={`Rename ${project.name}`}
            disabled={arriving}
            aria-disabled={arriving}
            onPress={() => setEditing(true)}
            style={{ flex: 1, minHeight: TOUCH, justifyContent: 'center' }}
          >
            <Text style={{ color: t.text, fontSize: 16, opacity: project.archived ? 0.6 : 1 }}>
              {project.name}
              {project.synced ? '' : ' · '}
              {project.synced ? null : <Text style={{ color: t.warn, fontSize: 12 }}>Not synced</Text>}
            </Text>
          </Pressable>
        )}
        <Button
          label={project.archived ? 'Unarchive' : 'Archive'}
          kind="plain"
          disabled={arriving}
          onPress={() => onChange({ archived: !project.archived })}
        />
      </View>
      <View role="radiogroup" aria-label={`Colour of ${project.name}`} style={styles.row}>
        {PROJECT_COLORS.map((c) => (
          <Pressable
            key={c}
            role="radio"
            aria-checked={project.color === c}
            aria-label={c}
            disabled={arriving}
            aria-disabled={arriving}
            onPress={() => onChange({ color: c })}
            style={{ width: TOUCH, height: TOUCH, alignItems: 'center', justifyContent: 'center' }}
          >
            <View
              style={{
                width: 26,
                height: 26,
                borderRadius: 13,
                backgroundColor: c,
                borderWidth: project.color === c ? 3 : 0,
                borderColor: t.text,
              }}
            />
          </Pressable>
        ))}
      </View>
    </View>
  );
}
