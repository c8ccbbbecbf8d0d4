import {
  adminEmails,
  type ImageSettings,
  imageMonitorPort,
  type NodeFacts,
  unicastPeers,
} from './image-env.ts';
import { checkScriptName, type InstancePlan, type Placement, scrubName } from './instances.ts';
import { FALLBACK_NODE_IP } from './node.ts';

/** The vrrp_script command: the custom script, `true` for monitor port 0, else bash /dev/tcp to the node IP. */
export function checkCommand(settings: ImageSettings, nodeIp: string): string {
  if (settings.checkScript !== '') return settings.checkScript;
  const port = imageMonitorPort(settings.monitorPort);
  if (port === '0') return 'true';
  return `/bin/bash -c '</dev/tcp/${nodeIp || FALLBACK_NODE_IP}/${port}'`;
}

/**
 * keepalived.conf exactly as the image writes it, byte for byte: the whitespace-only lines and
 * the odd indents are the generator's, kept so a diff against a live pod's file is empty.
 */
export function renderKeepalivedConf(
  settings: ImageSettings,
  node: NodeFacts,
  instances: readonly InstancePlan[],
  placements: readonly Placement[],
): string {
  const checkName = checkScriptName(settings.configName);
  const emails = adminEmails(settings.adminEmails);
  const lines = [
    '! Configuration File for keepalived',
    '',
    'global_defs {',
    '   max_auto_priority    99',
    '   notification_email {',
    ...emails.map((email) => `     ${email}`),
    '   }',
    '',
    '   notification_email_from ipfailover@openshift.local',
    `   smtp_server ${settings.smtpServer}`,
    '   smtp_connect_timeout 30',
    `   router_id ${scrubName(settings.configName)}`,
    '}',
    '',
    `vrrp_script ${checkName} {`,
    `   script "${checkCommand(settings, node.nodeIp)}"`,
    `   interval ${settings.checkInterval}`,
    '}',
    '',
  ];
  instances.forEach((instance, position) => {
    const placement = placements[position] ?? { master: false, priority: 0 };
    lines.push(
      '',
      `vrrp_instance ${instance.name} {`,
      `   interface ${node.interfaceName}`,
      `   ${placement.master ? 'state MASTER' : ''}`,
      `   virtual_router_id ${instance.vrid}`,
      `   priority ${placement.priority}`,
      `   ${settings.preemption}`,
      '   ',
      '   authentication {',
      '      auth_type PASS',
      `      auth_pass ${settings.configName}`,
      '   }',
      '   ',
      '   track_script {',
      `      ${checkName}`,
      '   }',
      '   ',
      ...(settings.notifyScript ? [`   notify "${settings.notifyScript}"`] : []),
      ' ',
      ...peerLines(settings),
      '   ',
      '   virtual_ipaddress {',
      ...instance.vips.map((vip) => `    ${vip} dev ${node.interfaceName}`),
      '   }',
      '}',
      '',
    );
  });
  return `${lines.join('\n')}\n`;
}

function peerLines(settings: ImageSettings): string[] {
  const lines: string[] = [];
  if (settings.multicastSourceIp) lines.push(`    mcast_src_ip ${settings.multicastSourceIp}`);
  if (settings.unicastSourceIp) lines.push(`    unicast_src_ip ${settings.unicastSourceIp}`);
  const peers = unicastPeers(settings.unicastPeers);
  if (peers.length > 0) {
    lines.push('', '    unicast_peer {', ...peers.map((peer) => `        ${peer}`), '    }');
  }
  return lines;
}
