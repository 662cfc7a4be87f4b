// The sandboxed preload: exposes window.credits with one named function per IPC method and one on<Event> per event, from the contract.
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_EVENT_NAMES, IPC_METHOD_NAMES, eventListenerName, ipcChannel, ipcEventChannel } from '../shared/ipc/names';

const api: Record<string, unknown> = {};
for (const method of IPC_METHOD_NAMES) {
  api[method] = (input?: unknown) => ipcRenderer.invoke(ipcChannel(method), input);
}
for (const event of IPC_EVENT_NAMES) {
  api[eventListenerName(event)] = (listener: (payload: unknown) => void) => {
    const wrapped = (_e: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(ipcEventChannel(event), wrapped);
    return () => ipcRenderer.removeListener(ipcEventChannel(event), wrapped);
  };
}
contextBridge.exposeInMainWorld('credits', Object.freeze(api));
