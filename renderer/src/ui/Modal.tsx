// The one modal dialog of the app (approval and confirmations), on Radix Dialog: focus trapped inside, Escape closes, focus returns to the opener, labelled by its heading.
import * as Dialog from '@radix-ui/react-dialog';
import { useState, type ReactNode } from 'react';

/**
 * Rendered in place (no portal) so that a dialog stays inside the part of the page it belongs to; the backdrop is fixed to the window.
 * Focus goes back to whatever had it when the dialog opened (a select, a button), since these dialogs are opened by state, not a trigger.
 */
export function Modal({ title, onClose, children, className }: { title: string; onClose(): void; children: ReactNode; className?: string }) {
  const [opener] = useState(() => (typeof document === 'undefined' ? null : (document.activeElement as HTMLElement | null)));
  return (
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <Dialog.Overlay className="dialog-backdrop" />
      <Dialog.Content
        className={`dialog${className ? ` ${className}` : ''}`}
        aria-describedby={undefined}
        onCloseAutoFocus={(e) => {
          e.preventDefault();
          if (opener?.isConnected) opener.focus();
        }}
      >
        <Dialog.Title>{title}</Dialog.Title>
        {children}
      </Dialog.Content>
    </Dialog.Root>
  );
}
